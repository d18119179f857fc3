"""A streaming job started on an empty topic serves its rows while it runs: the catalog built
when it started had no files of it to read, so the job rebuilds it once its first rows are
written (the speed layer, and a Kappa version that went into service before any record)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest

from core.layout import Layout
from core.net import wait_until
from core.processes import stop_processes
from serving_layer.query import run_query
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow

JOBS = {
    "speed": ["lambda", "speed", "--watermark", "1 minute"],
    "kappa": ["kappa", "run", "--version", "1", "--watermark", "1 minute"],
}


def _wait(condition, seconds: float, what: str) -> None:
    assert wait_until(condition, seconds, interval_s=0.5), what


def test_jobs_started_on_an_empty_topic_serve_rows_while_they_run(kafka, topic, tmp_path):
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    layout = Layout(tmp_path)
    env = {**os.environ, **settings.as_env()}
    jobs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "lk.cli", *argv],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for name, argv in JOBS.items()
    }
    try:
        for paths in (layout.speed, layout.kappa_version(1)):
            _wait((paths.checkpoint / "metadata").exists, 300, f"{paths.root} never started")
        _wait(layout.kappa_serving.exists, 120, "Kappa v1 never went into service")
        records = generate(SCENARIOS["steady"].with_overrides(acceleration=600.0), 3, events=300)
        send_records(records, kafka.bootstrap, topic, paced=False, total=None)

        def served(prefix: str) -> int:
            return run_query(
                settings, f"SELECT coalesce(sum(events), 0) FROM {prefix}_action_counts"
            )[1][0][0]

        _wait(lambda: served("speed") == 300, 300, "speed_* never served the rows")
        _wait(lambda: served("kappa") == 300, 300, "kappa_* never served the rows")
        assert all(job.poll() is None for job in jobs.values())  # still running: live
    finally:
        stop_processes([job.pid for job in jobs.values()], timeout=60)
