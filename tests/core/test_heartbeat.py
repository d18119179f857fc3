"""A job's heartbeat: written at once, again every interval, marked stopped at the end; read as
alive only while fresh and not stopped."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from core.heartbeat import STALE_AFTER_BEATS, Heartbeat, announce, read_pulse


def wait_for(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_running_job_beats_and_says_when_it_stopped(tmp_path):
    path = tmp_path / "v1" / "heartbeat.json"
    assert read_pulse(path) is None
    with Heartbeat(path, interval_s=0.5):
        first = json.loads(path.read_text())
        assert first["host"] == socket.gethostname() and first["pid"] == os.getpid()
        assert wait_for(lambda: json.loads(path.read_text())["beats"] >= 3)
        pulse = read_pulse(path)
        assert pulse.alive and not pulse.stopped and pulse.pid == os.getpid()
        assert "alive on" in pulse.describe()
    pulse = read_pulse(path)
    assert pulse.stopped and not pulse.alive
    assert pulse.describe().startswith("stopped on")


def test_a_job_that_stopped_beating_is_taken_for_dead_after_missed_beats(tmp_path):
    """A job on another host: only its beats tell whether it is alive."""
    path = tmp_path / "heartbeat.json"
    beat_at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    document = {"host": "worker-2", "pid": 4242, "beat_at": beat_at.isoformat(), "interval_s": 5}
    path.write_text(json.dumps(document))
    just_in_time = beat_at + timedelta(seconds=STALE_AFTER_BEATS * 5.0)
    assert read_pulse(path, now=just_in_time).alive
    late = read_pulse(path, now=just_in_time + timedelta(seconds=1))
    assert not late.alive and not late.stopped and late.pid == 4242
    assert "taken for dead" in late.describe()


def test_a_job_of_this_host_that_died_before_its_first_beat_is_dead_at_once(tmp_path):
    path = tmp_path / "heartbeat.json"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    announce(path, pid=gone.pid)  # announced, then it exited before beating itself
    assert not read_pulse(path).alive
    announce(path, pid=os.getpid())
    assert read_pulse(path).alive


def test_a_heartbeat_with_bad_fields_counts_as_none(tmp_path):
    path = tmp_path / "heartbeat.json"
    path.write_text(json.dumps({"host": "h", "pid": "x", "beat_at": "2026-12-01T12:00:00+00:00"}))
    assert read_pulse(path) is None
    path.write_text(json.dumps({"host": "h", "pid": 1, "beat_at": "yesterday"}))
    assert read_pulse(path) is None


def test_an_unreadable_heartbeat_counts_as_none(tmp_path):
    path = tmp_path / "heartbeat.json"
    path.write_text("{half a docum")
    assert read_pulse(path) is None
    path.write_text(json.dumps({"host": "h"}))  # no beat yet
    assert read_pulse(path) is None


def test_a_beat_that_cannot_be_written_does_not_stop_the_job(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the job's folder should be")
    with Heartbeat(blocked / "heartbeat.json", interval_s=0.01):
        time.sleep(0.05)
    assert read_pulse(blocked / "heartbeat.json") is None  # and nothing was raised
