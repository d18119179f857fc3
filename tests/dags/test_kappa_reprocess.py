"""The Kappa reprocessing DAG: it parses light, in Kreps's shape, and switches versions on real Kafka."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from core.layout import Layout
from core.settings import REPO_ROOT, Settings
from infra.airflow_home import airflow_command, airflow_env, ensure_airflow_db
from tests.dags.dagbag import parse_dag


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(data_dir=tmp_path / "lk-data")


def test_dag_bag_has_the_kappa_reprocess_chain_and_imports_nothing_heavy(settings):
    parsed = parse_dag(settings, "kappa_reprocess")
    assert parsed["import_errors"] == {}
    assert "kappa_reprocess" in parsed["dag_ids"]
    assert parsed["downstream"] == {
        "start_version": ["wait_until_caught_up"],
        "wait_until_caught_up": ["switch"],
        "switch": [],
    }
    # Starting reuses a running version and switching is idempotent, so both may retry; a
    # sensor that timed out or found its job dead would only fail the same way again.
    assert parsed["retries"] == {"start_version": 1, "wait_until_caught_up": 0, "switch": 1}
    # Rescheduled between looks: a replay of hours holds no worker slot.
    assert parsed["sensor_mode"]["wait_until_caught_up"] == "reschedule"
    assert parsed["outlets"]["switch"] == ["lk_kappa_serving"]
    assert parsed["schedule"] is None  # manual only
    assert parsed["catchup"] is False
    assert parsed["max_active_runs"] == 1
    assert parsed["params"] == {
        "logic_version": "v1",
        "watermark": "10 minutes",
        "dedup_horizon": None,
        "version": None,
        "until_caught_up": False,
        "max_lag": 1000,
        "catch_up_timeout_minutes": 60,
    }
    assert parsed["start_date"] == "2026-01-01T00:00:00+00:00"
    assert parsed["tags"] == ["kappa", "reprocessing"]
    assert "Kreps" in parsed["doc_md"] and "rollback" in parsed["doc_md"]
    # The UI shows a description under every field of the trigger form and docs on every task.
    assert all(parsed["param_descriptions"].values()), parsed["param_descriptions"]
    assert "dedup_horizon" in parsed["doc_md"]
    assert all(doc and "**" in doc for doc in parsed["task_docs"].values()), parsed["task_docs"]
    # Parsing happens every 30 s in the DAG processor: no Spark, Kafka or DuckDB there.
    assert parsed["heavy_modules"] == []


def test_params_named_like_kappa_options_reach_the_job():
    from architectures.kappa_tasks import kappa_options
    from kappa.job import KappaOptions

    params = {
        "logic_version": "v2",
        "watermark": "1 minute",
        "dedup_horizon": "5 minutes",
        "until_caught_up": True,
        "version": 3,
        "max_lag": 10,
        "catch_up_timeout_minutes": 5,
    }
    assert kappa_options(params) == KappaOptions(
        logic_version="v2", watermark="1 minute", dedup_horizon="5 minutes", until_caught_up=True
    )
    assert kappa_options({"dedup_horizon": None}).dedup_horizon is None  # the watermark's


def kappa_run(settings: Settings, *args: str, log: Path) -> None:
    """`lk kappa run ...` in a subprocess with the test's settings, as a user would run it."""
    env = {
        **os.environ,
        **settings.as_env(),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    with log.open("w") as output:
        result = subprocess.run(
            [sys.executable, "-m", "lk.cli", "kappa", "run", *args],
            env=env,
            cwd=REPO_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=600,
            check=False,
        )
    assert result.returncode == 0, f"lk kappa run {' '.join(args)} failed; see {log}"


@pytest.mark.slow
def test_kappa_reprocess_dag_replays_a_new_version_and_switches_to_it(kafka, topic, tmp_path):
    from architectures.kappa_architecture import background_pid, stop_background
    from core.atomic import read_json
    from serving_layer.query import run_query
    from workloads.generator import generate
    from workloads.producer import send_records
    from workloads.scenarios import SCENARIOS

    settings = replace(kafka, data_dir=tmp_path / "lk-data", topic=topic)
    layout = Layout(settings.data_dir)
    # Ten minutes of event time per wall-clock second: 2,000 events span about 40 minutes, so
    # sessions (gap 10 minutes in v2) close before the end of the log.
    scenario = SCENARIOS["steady"].with_overrides(acceleration=600.0)
    records = list(generate(scenario, seed=7, events=2_000))
    send_records(records, settings.bootstrap, topic, show_progress=False)

    try:
        # v1 replays the log and, being the first version, switches itself into service.
        kappa_run(settings, "--version", "1", "--until-caught-up", log=tmp_path / "v1.log")
        assert read_json(layout.kappa_serving)["current"] == 1

        ensure_airflow_db(settings)
        # Every param reaches the background job (the watermark is recorded in its job.json).
        conf = {
            "logic_version": "v2",
            "watermark": "1 minute",
            "dedup_horizon": "3 minutes",
            "until_caught_up": True,
        }
        log = tmp_path / "dags-test.log"
        started = time.monotonic()
        with log.open("w") as output:
            result = subprocess.run(
                [*airflow_command(), "dags", "test", "kappa_reprocess", "-c", json.dumps(conf)],
                env=airflow_env(settings),
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=900,
                check=False,
            )
        seconds = time.monotonic() - started
        assert result.returncode == 0, f"dags test failed after {seconds:.0f} s; see {log}"

        state = read_json(layout.kappa_serving)
        assert (state["current"], state["previous"]) == (2, 1)
        job = read_json(layout.kappa_version(2).state_file)
        recorded = (job["logic_version"], job["watermark"], job["dedup_horizon"])
        assert recorded == ("v2", "1 minute", "3 minutes")
        said = log.read_text()  # each task says what it did
        assert "options: logic v2, watermark '1 minute', dedup horizon '3 minutes'" in said
        assert "v2 has caught up" in said and "kappa_* now serve v2" in said
        assert job["caught_up_at"]
        assert background_pid(settings, 2) is None  # until_caught_up: it stopped after the replay

        # `lk query` reads v2's views now.
        _, rows = run_query(settings, "SELECT count(*) FROM kappa_user_sessions")
        assert rows[0][0] > 0
        _, status = run_query(settings, "SELECT * FROM serving_status")
        assert status, "serving_status is empty"
    finally:
        for number in (1, 2):
            stop_background(settings, number)
        assert all(background_pid(settings, number) is None for number in (1, 2))
