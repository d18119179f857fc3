"""Kappa's rules that hold before any job runs: a version keeps its logic, a reprocessing run
only counts a catch-up that happened after it launched the job, and a version whose heartbeat is
alive on another host is running."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from architectures.kappa_architecture import (
    LAUNCH_RECORD,
    catch_up_state,
    refuse_other_logic,
    start_for_run,
    start_in_background,
    stop_background,
)
from core.atomic import write_json
from core.errors import LkError, NotRetryable
from core.layout import Layout
from core.settings import Settings
from kappa.job import KappaOptions


def a_version(data_dir, number: int, logic: str, **job: object) -> None:
    """A version folder as a finished replay leaves it (no job running)."""
    paths = Layout(data_dir).kappa_version(number)
    write_json(paths.state_file, {"logic_version": logic, "watermark": "10 minutes", **job})


def test_a_version_keeps_its_logic(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path)
    a_version(tmp_path, 3, "v1")
    refuse_other_logic(settings, 3, KappaOptions(logic_version="v1"))  # the same: fine
    refuse_other_logic(settings, 4, KappaOptions(logic_version="v2"))  # a new version: fine
    with pytest.raises(NotRetryable, match=r"v3 was replayed with logic v1.*--version 4"):
        refuse_other_logic(settings, 3, KappaOptions(logic_version="v2"))
    with pytest.raises(NotRetryable, match="watermark"):
        refuse_other_logic(settings, 3, KappaOptions(watermark="1 minute"))
    with pytest.raises(NotRetryable, match="keeps its logic"):  # before anything is launched
        start_for_run(settings, KappaOptions(logic_version="v2"), run_id="r1", number=3)
    assert not (Layout(tmp_path).kappa_version(3).root / LAUNCH_RECORD).exists()


@pytest.mark.slow
def test_an_earlier_catch_up_does_not_count_for_a_new_launch(kafka, topic, tmp_path):
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    earlier = {"finished_at": "2026-01-01T00:00:00+00:00"}
    a_version(tmp_path, 2, "v1", caught_up_at="2026-01-01T00:00:00+00:00", last_replay=earlier)
    # Without a launch of its own, the recorded catch-up stands (the log is empty: lag 0).
    assert catch_up_state(settings, 2, max_lag=0, keeps_tailing=False) == {"version": 2, "lag": 0}
    root = Layout(tmp_path).kappa_version(2).root
    write_json(root / LAUNCH_RECORD, {"run_id": "r2", "launched_at": "2026-02-01T00:00:00+00:00"})
    # Launched after that catch-up, and its job is not running: it stopped before catching up.
    with pytest.raises(NotRetryable, match="stopped before catching up"):
        catch_up_state(settings, 2, max_lag=0, keeps_tailing=False)


@pytest.mark.slow
def test_a_version_beating_on_another_host_counts_as_running(kafka, topic, tmp_path):
    """Another Airflow worker started v2: no PID here, but its heartbeat says it is alive."""
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    a_version(tmp_path, 2, "v1")
    paths = Layout(tmp_path).kappa_version(2)
    write_json(paths.root / LAUNCH_RECORD, {"run_id": "r2", "launched_at": "2026-02-01T00:00:00"})

    def beat(seconds_ago: float) -> None:
        at = (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()
        write_json(
            paths.heartbeat,
            {"host": "worker-2", "pid": 777, "beat_at": at, "interval_s": 5.0, "beats": 9},
        )

    beat(seconds_ago=1)
    assert catch_up_state(settings, 2, max_lag=0, keeps_tailing=False) is None  # replaying
    with pytest.raises(LkError, match=r"already runs: alive on worker-2 \(pid 777\)"):
        start_in_background(settings, 2, KappaOptions())
    with pytest.raises(LkError, match="on worker-2 .*stop it on that host"):
        stop_background(settings, 2)
    started = start_for_run(settings, KappaOptions(), run_id="r2", number=2)
    assert started["pid"] == 777  # reused, not started twice
    beat(seconds_ago=60)  # it stopped beating: a lost host or a SIGKILL
    with pytest.raises(NotRetryable, match="stopped before catching up"):
        catch_up_state(settings, 2, max_lag=0, keeps_tailing=False)
    assert stop_background(settings, 2) is None
