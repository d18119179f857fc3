"""The experiments' batch schedule: when its runs start (its runs here are a function that
records the moment it is called: the schedule is the unit under test, not the batch layer);
and when a live job counts as running."""

from __future__ import annotations

import time

from core.settings import Settings
from experiments.experiment.jobs import BatchSchedule

INTERVAL = 0.4  # s


def _schedule(calls: list[tuple[float, str]]) -> BatchSchedule:
    def run_batch(logic_version: str) -> str:
        calls.append((time.time(), logic_version))
        return "2026-01-01T00:00:00+00:00"

    return BatchSchedule(Settings.from_env(), INTERVAL, lambda what: None, run_batch)


def _wait_for(predicate, seconds: float = 5.0) -> None:
    deadline = time.time() + seconds
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.01)


def test_the_first_run_starts_one_interval_after_the_start():
    calls: list[tuple[float, str]] = []
    schedule = _schedule(calls)
    started = time.time()
    schedule.start()
    _wait_for(lambda: len(calls) >= 2)
    schedule.stop()
    assert calls[0][0] - started >= INTERVAL * 0.95  # not with the stream's first records
    assert calls[1][0] - calls[0][0] >= INTERVAL * 0.95


def test_run_now_starts_a_run_before_the_interval_ends_with_the_new_logic():
    calls: list[tuple[float, str]] = []
    schedule = _schedule(calls)
    schedule.interval = 30.0
    started = time.time()
    schedule.start()
    schedule.run_now("v2")
    _wait_for(lambda: calls)
    time.sleep(INTERVAL)
    schedule.stop()
    assert calls[0][1] == "v2" and calls[0][0] - started < 5.0
    assert len(calls) == 1  # the next one is due an interval (30 s) later


def test_stop_before_the_first_run_starts_none():
    calls: list[tuple[float, str]] = []
    schedule = _schedule(calls)
    schedule.interval = 30.0
    schedule.start()
    stopped = time.time()
    schedule.stop()
    assert calls == [] and time.time() - stopped < 5.0


def test_no_scheduled_run_after_one_that_began_after_the_last_record_served():
    calls: list[tuple[float, str]] = []
    schedule = _schedule(calls)
    schedule.enough_after(time.time())
    assert not schedule.served_since(time.time())
    schedule.start()
    _wait_for(lambda: schedule.runs)
    time.sleep(INTERVAL * 3)
    assert len(calls) == 1 and schedule.served_since(calls[0][0] - 0.001)
    schedule.run_now()  # a logic change still starts one
    _wait_for(lambda: len(calls) == 2)
    schedule.stop()
    assert len(schedule.runs) == 2


def test_a_job_counts_as_live_once_its_live_query_started(tmp_path):
    from core.atomic import write_json
    from core.layout import Layout
    from experiments.experiment.jobs import live_query_runs

    paths = Layout(tmp_path).kappa_version(1)
    assert not live_query_runs(paths)  # nothing written yet
    (paths.checkpoint).mkdir(parents=True)
    (paths.checkpoint / "metadata").write_text("{}")  # its replay until caught up wrote it
    write_json(paths.progress / "latest.json", {"live": False, "lag": 0})
    assert not live_query_runs(paths)  # replayed, now warming up: not yet
    write_json(paths.progress / "latest.json", {"live": True, "lag": None})
    assert live_query_runs(paths)
