"""The speed layer killed with SIGKILL mid-stream resumes from its checkpoint: same output."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from lk.paths import Layout
from serving_layer.catalog import refresh_catalog
from serving_layer.columns import VIEW_COLUMNS
from serving_layer.query import run_query
from speed_layer.job import run_speed, speed_options
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow

OPTIONS = {"watermark": "1 hour", "max_offsets_per_trigger": 400}
"""A watermark longer than any lateness in the stream: nothing is dropped, so the output does
not depend on where micro-batches begin and end."""


def lk_env(settings) -> dict[str, str]:
    return {
        **os.environ,
        "LK_DATA_DIR": str(settings.data_dir),
        "LK_BOOTSTRAP": settings.bootstrap,
        "LK_TOPIC": settings.topic,
        "LK_SPARK_MASTER": "local[1]",
    }


def descendants(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in map(int, children):
            found |= {child} | descendants(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def speed_rows(settings) -> dict[str, list[tuple]]:
    refresh_catalog(settings)
    rows = {}
    for view, columns in VIEW_COLUMNS.items():
        names = ", ".join(name for name, _ in columns)
        rows[view] = run_query(settings, f"SELECT {names} FROM speed_{view} ORDER BY ALL")[1]
    return rows


def test_killed_speed_layer_resumes_with_identical_output(kafka, topic, spark, tmp_path):
    records = list(generate(SCENARIOS["late-data"], seed=21, events=4000))
    send_records(records, kafka.bootstrap, topic, paced=False, total=None)
    killed = replace(kafka, topic=topic, data_dir=tmp_path / "killed")
    reference = replace(kafka, topic=topic, data_dir=tmp_path / "reference")

    command = [
        sys.executable, "-m", "lk.cli", "lambda", "speed",
        "--watermark", OPTIONS["watermark"],
        "--max-offsets-per-trigger", str(OPTIONS["max_offsets_per_trigger"]),
    ]  # fmt: skip
    log = (tmp_path / "speed.log").open("w")
    process = subprocess.Popen(command, env=lk_env(killed), stdout=log, stderr=subprocess.STDOUT)
    batches = Layout(killed.data_dir).speed.view_files("action_counts")
    try:
        deadline = time.monotonic() + 180
        while len(list(batches.glob("batch-0*.parquet"))) < 3:
            assert process.poll() is None, (tmp_path / "speed.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the speed layer wrote no micro-batches in time"
            time.sleep(0.2)
        family = descendants(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        deadline = time.monotonic() + 60
        while any(alive(pid) for pid in family) and time.monotonic() < deadline:
            time.sleep(0.5)
        leftovers = [pid for pid in family if alive(pid)]
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
        assert not leftovers, "the Spark JVM outlived its killed driver"
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    done_before_kill = len(list(batches.glob("batch-0*.parquet")))
    assert done_before_kill < len(records) / OPTIONS["max_offsets_per_trigger"], "killed too late"

    resumed = run_speed(killed, speed_options(until_caught_up=True, **OPTIONS))
    assert sum(resumed["dropped_late"].values()) == 0
    run_speed(reference, speed_options(until_caught_up=True, **OPTIONS))

    assert speed_rows(killed) == speed_rows(reference)
    assert sum(row[3] for row in speed_rows(reference)["action_counts"]) > 0
