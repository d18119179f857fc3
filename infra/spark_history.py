"""Spark's History Server on loopback: it serves the event logs every session writes under
`LK_DATA_DIR/spark/events` (core.spark_ui), so a finished batch run's stages or a stopped
stream's micro-batches can be opened in Spark's own UI.

Started with pyspark's `bin/spark-class` (no Spark download), bound to 127.0.0.1 (SPARK_LOCAL_IP)
on a free port unless one is given; its PID and port are kept in `spark/history.json`, and
`down` stops it by PID."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from core.atomic import read_json, write_json
from core.errors import LkError
from core.jvm import java_home
from core.layout import Layout
from core.net import free_port, wait_until
from core.processes import pid_from_file, start_background, stop_processes
from core.settings import Settings
from infra.spark_master import spark_class
from infra.startup import last_error

HISTORY_CLASS = "org.apache.spark.deploy.history.HistoryServer"
DAEMON_MEMORY = "512m"
"""The History Server's heap (Spark's daemon default is 1g; the event logs here are small)."""
REFRESH = "2s"
"""How often it looks for new or grown event logs (`spark.history.fs.update.interval`)."""


@dataclass(frozen=True)
class History:
    """A History Server: its PID, its address, the folder it serves, and whether `up` started
    it now (False: it was already running)."""

    pid: int
    url: str
    events: str
    started_now: bool


def history_up(settings: Settings, port: int | None = None, timeout: float = 90.0) -> History:
    """Start the History Server (idempotent) and wait until it answers; LkError (one line, with
    the last error of its log) if it does not within `timeout` s."""
    root, events = _root(settings), Layout(settings.data_dir).spark_events.resolve()
    events.mkdir(parents=True, exist_ok=True)
    running = history_state(settings)
    if running is not None:
        return running
    port = port or free_port()
    options = {
        # A plain path: Hadoop reads this setting as a path string and would not decode a URI's
        # %20 (a data directory may hold spaces, brackets, quotes and %).
        "spark.history.fs.logDirectory": str(events),
        "spark.history.ui.port": str(port),
        "spark.port.maxRetries": "0",  # the port asked for, or a failure: never another one
        "spark.history.fs.update.interval": REFRESH,
        # A stream's rolling log is compacted down to its newest files while this server runs.
        "spark.history.fs.eventLog.rolling.maxFilesToRetain": "2",
    }
    properties = root / "history.properties"
    properties.write_text(
        "# Written by `lk spark history up` (infra/spark_history.py).\n"
        + "".join(f"{key}={_escaped(value)}\n" for key, value in options.items())
    )
    env = {
        **os.environ,
        "JAVA_HOME": str(java_home()),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
    }
    log = root / "history.log"
    command = spark_class(HISTORY_CLASS, "--properties-file", str(properties))
    pid = start_background(command, log=log, pid_file=root / "history.pid", env=env)
    url = f"http://127.0.0.1:{port}"
    write_json(root / "history.json", {"url": url, "events": str(events)})
    if not wait_until(lambda: applications(url) is not None, timeout, interval_s=0.5):
        stop_processes([pid])
        raise LkError(f"Spark's History Server did not answer at {url}: {last_error(log)}")
    return History(pid, url, str(events), True)


def history_state(settings: Settings) -> History | None:
    """The running History Server, or None."""
    root = _root(settings)
    pid = pid_from_file(root / "history.pid")
    recorded = read_json(root / "history.json") or {}
    if pid is None or "url" not in recorded:
        return None
    return History(pid, recorded["url"], recorded.get("events", ""), False)


def history_down(settings: Settings) -> int | None:
    """Stop the History Server by PID; the PID stopped, or None if none ran."""
    running = history_state(settings)
    if running is None:
        return None
    stop_processes([running.pid], timeout=30.0)
    return running.pid


def applications(url: str) -> list[dict] | None:
    """The applications the History Server lists (its REST API, `/api/v1/applications`: id,
    name, attempts with start and end times), or None while it does not answer."""
    try:
        response = httpx.get(f"{url}/api/v1/applications", timeout=5)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError):
        return None


def _escaped(value: str) -> str:
    """A value as a Java properties file reads it back unchanged (`\\`, and a leading space)."""
    escaped = value.replace("\\", "\\\\")
    return "\\" + escaped if escaped.startswith(" ") else escaped


def _root(settings: Settings) -> Path:
    root = settings.data_dir / "spark"
    root.mkdir(parents=True, exist_ok=True)
    return root
