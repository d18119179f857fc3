"""A running job's heartbeat: a small JSON file in the job's own folder, rewritten every few
seconds, so that any process that sees the folder (another Airflow worker, another host on a
shared data directory) can tell whether the job is alive without seeing its PID.

The file (`heartbeat.json`) holds `host`, `pid`, `started_at`, `beat_at` (ISO-8601 UTC),
`beats` (how many times it was written), `interval_s` and, once the job ended cleanly,
`stopped_at`. A job is taken for alive while its last beat is at most `STALE_AFTER_BEATS`
intervals old and it has not written `stopped_at`: a SIGKILLed job (or a lost host) stops
beating and is taken for dead after that many missed beats.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from core.atomic import read_json, write_json
from core.processes import alive

DEFAULT_INTERVAL_S = 5.0
"""Seconds between two beats."""

STALE_AFTER_BEATS = 3
"""Missed beats after which a job is taken for dead. The same rule as Kafka's consumer group
membership, whose documentation asks for `heartbeat.interval.ms` no higher than a third of
`session.timeout.ms` (Kafka consumer configs, heartbeat.interval.ms)."""


@dataclass(frozen=True)
class Pulse:
    """What a heartbeat file says, read at `now`: `alive` (beating, not stopped), `age_s`
    (seconds since the last beat), `host` and `pid` of the job, `stopped` (it ended cleanly),
    `spark_ui` (its Spark UI address, if any)."""

    alive: bool
    age_s: float
    host: str
    pid: int
    stopped: bool
    spark_ui: str | None = None
    """The job's Spark UI address, if it noted one (answers only while the job runs)."""

    def describe(self) -> str:
        """One line for people, e.g. `alive on host-a (pid 4242), last beat 2.1 s ago`."""
        where = f"on {self.host} (pid {self.pid})"
        if self.stopped:
            return f"stopped {where}"
        if self.alive:
            return f"alive {where}, last beat {self.age_s:.1f} s ago"
        return f"no beat for {self.age_s:.0f} s {where}: taken for dead"


class Heartbeat:
    """Writes `path` at once and then every `interval_s` seconds from a daemon thread until the
    `with` block ends, when it writes `stopped_at`. A beat that cannot be written (a full disk)
    is skipped, not raised: the job goes on and readers see it age."""

    def __init__(self, path: Path, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self.path = path
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._lock = threading.Lock()  # note() and the beat thread both write the document
        self._thread = threading.Thread(target=self._beat_until_stopped, daemon=True)
        self._document = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": _now().isoformat(),
            "interval_s": interval_s,
            "beats": 0,
        }

    def __enter__(self) -> Heartbeat:
        self._beat()
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval_s + 5)
        self._beat(stopped=True)

    def note(self, **fields: str) -> None:
        """Add `fields` to every beat from now on (e.g. `spark_ui`, the job's Spark UI address),
        written at once."""
        with self._lock:
            self._document.update(fields)
        self._beat()

    def _beat_until_stopped(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._beat()

    def _beat(self, *, stopped: bool = False) -> None:
        with self._lock:
            self._document["beats"] += 1
            self._document["beat_at"] = _now().isoformat()
            if stopped:
                self._document["stopped_at"] = self._document["beat_at"]
            with contextlib.suppress(OSError):  # readers see the beat age; the job goes on
                write_json(self.path, self._document)


def announce(path: Path, pid: int, interval_s: float = DEFAULT_INTERVAL_S) -> None:
    """Write one beat on behalf of a job just started as `pid` on this host, before its own
    first beat (its interpreter is still starting): readers elsewhere see it alive at once."""
    now = _now().isoformat()
    document = {"host": socket.gethostname(), "pid": pid, "started_at": now, "beat_at": now}
    write_json(path, {**document, "interval_s": interval_s, "beats": 0})


def read_pulse(path: Path, now: datetime | None = None) -> Pulse | None:
    """The heartbeat at `path` as seen at `now` (default: the current time), or None if the job
    never beat there. A file that cannot be read or parsed counts as no heartbeat. A job of
    this host is alive only while its PID is too (the beat of a job that died before its own
    first beat, `announce`, would otherwise look alive for a while)."""
    try:
        document = read_json(path) or {}
        beat_at = datetime.fromisoformat(document["beat_at"])
        limit = STALE_AFTER_BEATS * float(document.get("interval_s", DEFAULT_INTERVAL_S))
        host, pid = str(document.get("host", "?")), int(document.get("pid", 0))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    age = ((now or _now()) - beat_at).total_seconds()
    stopped = "stopped_at" in document
    here_and_gone = host == socket.gethostname() and (pid <= 0 or not alive(pid))
    return Pulse(
        alive=not stopped and age <= limit and not here_and_gone,
        age_s=max(age, 0.0),
        host=host,
        pid=pid,
        stopped=stopped,
        spark_ui=document.get("spark_ui"),
    )


def _now() -> datetime:
    return datetime.now(UTC)
