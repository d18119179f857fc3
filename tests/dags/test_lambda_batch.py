"""The Lambda batch DAG: it parses light, in the expected shape, and runs end to end on real Kafka."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from infra.airflow import airflow_command, airflow_env, ensure_airflow_db
from lk.kafka_client import end_offsets
from lk.paths import Layout
from lk.settings import Settings

# Airflow reads its configuration when first imported, so the DAG is parsed in a fresh
# interpreter with the project's Airflow environment (AIRFLOW_HOME in a temporary folder).
PARSE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
from lk.settings import REPO_ROOT
bag = DagBag(dag_folder=REPO_ROOT / "dags")
dag = bag.dags.get("lambda_batch")
print(json.dumps({
    "import_errors": bag.import_errors,
    "dag_ids": sorted(bag.dag_ids),
    "downstream": {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks} if dag else {},
    "retries": {t.task_id: t.retries for t in dag.tasks} if dag else {},
    "schedule": dag.schedule if dag else "no dag",
    "catchup": dag.catchup if dag else None,
    "max_active_runs": dag.max_active_runs if dag else None,
    "params": dag.params.dump() if dag else None,
    "start_date": dag.start_date.isoformat() if dag else None,
    "heavy_modules": sorted(
        name for name in sys.modules
        if name.split(".")[0] in ("pyspark", "py4j", "duckdb", "kafka", "batch_layer", "serving_layer")
    ),
}))
"""


def parse_dags(settings: Settings, **extra_env: str) -> dict:
    """What a DagBag over dags/ finds, parsed in a subprocess with the project's Airflow env."""
    env = {**airflow_env(settings), **extra_env}
    result = subprocess.run(
        [sys.executable, "-c", PARSE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(data_dir=tmp_path / "lk-data")


def test_dag_bag_has_the_lambda_batch_chain_and_imports_nothing_heavy(settings):
    parsed = parse_dags(settings)
    assert parsed["import_errors"] == {}
    assert "lambda_batch" in parsed["dag_ids"]
    assert parsed["downstream"] == {
        "ingest": ["batch_views"],
        "batch_views": ["publish"],
        "publish": ["refresh_serving"],
        "refresh_serving": [],
    }
    assert set(parsed["retries"].values()) == {2}
    assert parsed["schedule"] == "@hourly"
    assert parsed["catchup"] is False
    assert parsed["max_active_runs"] == 1
    assert parsed["params"] == {"logic_version": "v1"}
    assert parsed["start_date"] == "2026-01-01T00:00:00+00:00"
    # Parsing happens every 30 s in the DAG processor: no Spark, Kafka or DuckDB there.
    assert parsed["heavy_modules"] == []


def test_schedule_comes_from_the_environment(settings):
    assert parse_dags(settings, LK_LAMBDA_SCHEDULE="*/15 * * * *")["schedule"] == "*/15 * * * *"
    assert parse_dags(settings, LK_LAMBDA_SCHEDULE="none")["schedule"] is None


@pytest.mark.slow
def test_lambda_batch_dag_runs_end_to_end(kafka, topic, tmp_path):
    from batch_layer.ingest import committed_offsets
    from workloads.generator import generate
    from workloads.producer import send_records
    from workloads.scenarios import SCENARIOS

    settings = replace(kafka, data_dir=tmp_path / "lk-data", topic=topic)
    records = list(generate(SCENARIOS["dirty"], seed=5, events=3_000))
    send_records(records, settings.bootstrap, topic, show_progress=False)
    produced = sum(end_offsets(settings.bootstrap, topic).values())

    ensure_airflow_db(settings)
    log = tmp_path / "dags-test.log"
    started = time.monotonic()
    with log.open("w") as output:
        result = subprocess.run(
            [*airflow_command(), "dags", "test", "lambda_batch"],
            env=airflow_env(settings),
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=900,
            check=False,
        )
    seconds = time.monotonic() - started
    assert result.returncode == 0, f"dags test failed after {seconds:.0f} s; see {log}"

    layout = Layout(settings.data_dir)
    assert layout.catalog.exists()
    assert any(layout.batch.glob("version=*")), "no batch version was published"
    # The run's `until` is after every record was appended: the whole log was ingested.
    assert sum(committed_offsets(layout, topic).values()) == produced
