"""Helpers of the Kafka cluster tests: run `lk`, find and kill a partition's leader, read the log
back against what was generated, and the oracle's views over generated records."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import duckdb

from core.errors import LkError
from core.kafka_client import admin_client
from core.layout import Layout
from core.processes import alive, stop_processes
from core.settings import Settings
from infra.kafka_broker import running_pid
from infra.kafka_nodes import node_files
from oracle.log import LogRecord, read_log
from oracle.params import view_params
from oracle.tables import classify
from oracle.views_sql import view_sql
from tests.oracle.oracle_cases import APPENDED_MS
from workloads.generator import generate
from workloads.scenarios import scenario_named


def lk(settings: Settings, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run `lk <args>` with these settings as its environment, to its end."""
    return subprocess.run(
        [sys.executable, "-m", "lk.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **settings.as_env()},
        check=False,
    )


def start_lk(settings: Settings, *args: str) -> subprocess.Popen:
    """Start `lk <args>` with these settings, its output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "lk.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **settings.as_env()},
    )


def partitions(settings: Settings, topic: str) -> list[dict]:
    """kafka-python's description of each partition: leader_id, replica_nodes, isr_nodes.
    Asked again while a broker is down and the client cannot reach the cluster."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with admin_client(settings.bootstrap) as admin:
                return admin.describe_topics([topic])[0]["partitions"]
        except LkError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def leader(settings: Settings, topic: str, partition: int = 0) -> int:
    """The node leading one partition now (-1: none)."""
    found = next(p for p in partitions(settings, topic) if p["partition_index"] == partition)
    return found["leader_id"]


def wait_fully_replicated(settings: Settings, topic: str, seconds: float = 120) -> float:
    """Wait until every partition has all its replicas in sync; the seconds it took."""
    started = time.monotonic()
    while True:
        described = partitions(settings, topic)
        if all(len(p["isr_nodes"]) == len(p["replica_nodes"]) for p in described):
            return time.monotonic() - started
        assert time.monotonic() - started < seconds, f"{topic} still under-replicated: {described}"
        time.sleep(0.2)


def kill_node(settings: Settings, node_id: int) -> int:
    """SIGKILL one node by the PID in its PID file, and wait until it is gone; its PID."""
    pid = running_pid(node_files(settings, node_id))
    assert pid is not None, f"node {node_id} is not running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while alive(pid):
        assert time.monotonic() < deadline, f"node {node_id} (pid {pid}) survived SIGKILL"
        time.sleep(0.05)
    return pid


def wait_new_leader(settings: Settings, topic: str, old: int, seconds: float = 60) -> float:
    """Wait until partition 0 has a leader other than `old`; the seconds it took."""
    started = time.monotonic()
    while leader(settings, topic) in (old, -1):
        assert time.monotonic() - started < seconds, f"no new leader within {seconds} s"
        time.sleep(0.1)
    return time.monotonic() - started


def generated_values(scenario: str, seed: int, rate: float, duration: float) -> list[bytes]:
    """The values `lk produce --scenario S --seed N --rate R --duration D` sends, in order."""
    records = generate(scenario_named(scenario).with_overrides(rate=rate), seed, duration=duration)
    return [record.value for record in records if record.kind != "skipped"]


def log_figures(settings: Settings, topic: str, sent: list[bytes]) -> dict:
    """What the log holds against what was sent: records sent, present, missing (sent, not in
    the log), extra copies (in the log more often than sent) and the longest pause between two
    appends, over the topic and per partition (s, LogAppendTime: how long writes stalled)."""
    log = read_log(replace(settings, topic=topic))
    present, expected = Counter(r.value for r in log), Counter(sent)
    appends = sorted(r.timestamp for r in log)
    by_partition: dict[int, list[int]] = {}
    for record in log:
        by_partition.setdefault(record.partition, []).append(record.timestamp)
    return {
        "sent": len(sent),
        "present": len(log),
        "missing": sum((expected - present).values()),
        "extra_copies": sum((present - expected).values()),
        "longest_append_pause_s": _longest_pause(appends),
        "longest_pause_by_partition_s": {p: _longest_pause(t) for p, t in by_partition.items()},
    }


def _longest_pause(append_times_ms: list[int]) -> float:
    """The longest time (s) between two consecutive appends."""
    ordered = sorted(append_times_ms)
    return max((b - a for a, b in pairwise(ordered)), default=0) / 1000


def oracle_rows_of(values: list[bytes]) -> dict[str, list[tuple]]:
    """The oracle's rows of every view (logic v1) over these record values, in the order sent
    (each view's rows sorted): what the log should give if nothing was lost or doubled."""
    records = [LogRecord(0, offset, APPENDED_MS, value) for offset, value in enumerate(values)]
    events, _ = classify(records, "generated")
    connection = duckdb.connect()
    try:
        connection.register("events", events)
        return {
            name: sorted(connection.execute(view_sql(name, params)).fetchall())
            for name, params in view_params("v1").items()
        }
    finally:
        connection.close()


def truth_rows(folder) -> dict[str, list[tuple]]:
    """The rows `lk truth` published in `folder` (truth/v1), each view's sorted."""
    connection = duckdb.connect()
    try:
        return {
            name: sorted(connection.read_parquet(str(folder / f"{name}.parquet")).fetchall())
            for name in view_params("v1")
        }
    finally:
        connection.close()


STREAMING_JOBS = {
    "speed": ["lambda", "speed", "--watermark", "1 minute"],
    "kappa": ["kappa", "run", "--version", "1", "--watermark", "1 minute"],
}
"""The live jobs that read the topic while a broker dies: the speed layer and Kappa version 1
(the watermark is longer than any disorder of the steady scenario, so nothing is dropped)."""


@contextlib.contextmanager
def streaming_jobs(settings: Settings, logs: Path) -> Iterator[dict[str, subprocess.Popen]]:
    """The speed layer and Kappa v1, each `lk` in a process of its own, live on the topic from
    the moment their queries have started (a checkpoint exists); stopped by PID after (SIGTERM:
    a clean stop)."""
    layout = Layout(settings.data_dir)
    jobs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "lk.cli", *argv],
            env={**os.environ, **settings.as_env(), "LK_SPARK_MASTER": "local[1]"},
            stdout=(logs / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for name, argv in STREAMING_JOBS.items()
    }
    try:
        for name, paths in (("speed", layout.speed), ("kappa", layout.kappa_version(1))):
            wait_until(
                lambda paths=paths: (paths.checkpoint / "metadata").exists(),
                300,
                f"the {name} job never started: {(logs / f'{name}.log').read_text()[-2000:]}",
            )
        yield jobs
    finally:
        stop_processes([job.pid for job in jobs.values()], timeout=60)


def served_events(settings: Settings, prefix: str) -> int:
    """Events counted in `<prefix>_action_counts` now (each event_id once)."""
    from serving_layer.query import run_query

    query = f"SELECT coalesce(sum(events), 0) FROM {prefix}_action_counts"  # noqa: S608
    return int(run_query(settings, query)[1][0][0])


def wait_until(condition, seconds: float, what: str) -> None:
    """Poll `condition` every 0.5 s until true; fail with `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.5)
