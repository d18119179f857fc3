"""Spark's own tools see the jobs: a running speed layer serves Spark's web UI on 127.0.0.1 (its
address in the job's heartbeat, its status and `serving_status`), every job writes its event log
under the data directory, and `lk spark history up` serves those logs in Spark's History Server.
The job runs as a user runs it, `lk lambda speed` in a process of its own (a Spark session's UI
and event log are fixed when its JVM starts)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import replace

import httpx
import psutil
import pytest

from core.atomic import read_json
from core.layout import Layout
from core.net import wait_until
from core.settings import REPO_ROOT
from infra.spark_history import applications, history_down, history_state, history_up
from serving_layer.query import run_query
from tests.topics.logs import event, single_partition_topic

pytestmark = pytest.mark.slow


def _listens_on(pid: int, port: int) -> set[str]:
    """The addresses the process `pid` or one of its children listens on at `port`."""
    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return {  # an IPv6 socket on ::ffff:127.0.0.1 is loopback too
        connection.laddr.ip.removeprefix("::ffff:")
        for process in processes
        for connection in process.net_connections(kind="tcp")
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port
    }


def _query_listed(address: str) -> bool:
    try:
        tab = httpx.get(f"{address}/StreamingQuery/", timeout=10, follow_redirects=True)
    except httpx.HTTPError:
        return False
    return tab.status_code == 200 and re.search(r"\bspeed-[0-9a-f]{6}\b", tab.text) is not None


def test_a_running_stream_shows_its_spark_ui_and_its_event_log_reaches_the_history_server(
    kafka, tmp_path
):
    from kafka import KafkaProducer

    with single_partition_topic(kafka.bootstrap) as topic:
        # A data directory with spaces, brackets, a quote and %: event logs and the History
        # Server must find their folder there too.
        settings = replace(kafka, topic=topic, data_dir=tmp_path / "lk data [1] it's 50%")
        producer = KafkaProducer(bootstrap_servers=kafka.bootstrap)
        producer.send(topic, event("ui-1", "view", "10:50:00"), partition=0)
        producer.flush()
        producer.close()
        paths = Layout(settings.data_dir).speed
        env = {**os.environ, **settings.as_env(), "PYTHONPATH": str(REPO_ROOT)}
        job = subprocess.Popen(
            [sys.executable, "-m", "lk", "lambda", "speed"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "speed.log").open("w"),
            start_new_session=True,
        )
        try:
            noted = wait_until(
                lambda: (read_json(paths.heartbeat) or {}).get("spark_ui"), 180, interval_s=0.5
            )
            assert noted, (tmp_path / "speed.log").read_text()[-2000:]
            address = read_json(paths.heartbeat)["spark_ui"]
            assert address.startswith("http://127.0.0.1:"), address
            assert _listens_on(job.pid, int(address.rsplit(":", 1)[1])) == {"127.0.0.1"}
            # The Structured Streaming tab lists the job's query (named `speed-<6 hex>`) once it
            # runs.
            listed = wait_until(lambda: _query_listed(address), 120, interval_s=1.0)
            assert listed, httpx.get(f"{address}/StreamingQuery/", follow_redirects=True).text[:800]
            assert f"speed layer: Spark UI {address}" in (tmp_path / "speed.log").read_text()
            counted = wait_until(lambda: (read_json(paths.progress / "latest.json") or {}).get(
                "counted"), 120, interval_s=0.5)  # fmt: skip
            assert counted and read_json(paths.progress / "latest.json")["spark_ui"] == address
            served = run_query(
                settings, "SELECT spark_ui FROM serving_status WHERE component = 'speed'"
            )
            assert served[1] == [(address,)]
        finally:
            job.send_signal(signal.SIGTERM)
            try:
                stopped = job.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(job.pid, signal.SIGKILL)  # its own session: the driver and its JVM
                raise
        assert stopped == 0, "the speed layer did not stop cleanly on SIGTERM"

        events = Layout(settings.data_dir).spark_events
        assert any(events.iterdir()), "no event log written"
        history = history_up(settings)
        try:
            assert history.started_now
            port = int(history.url.rsplit(":", 1)[1])
            assert _listens_on(history.pid, port) == {"127.0.0.1"}
            assert history_up(settings).pid == history.pid  # idempotent
            listed = wait_until(lambda: applications(history.url), 60, interval_s=1.0)
            assert listed, "the History Server lists no application"
            assert [app["name"] for app in applications(history.url)] == ["lk-lambda-speed"]
        finally:
            assert history_down(settings) == history.pid
        assert history_state(settings) is None and history_down(settings) is None
