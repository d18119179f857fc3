"""The Lambda batch DAG: it parses light, in the expected shape, and runs end to end on real Kafka."""

from __future__ import annotations

import subprocess
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.kafka_client import end_offsets
from core.layout import Layout
from core.net import free_port
from core.settings import Settings
from infra.airflow_home import airflow_command, airflow_env, ensure_airflow_db
from tests.dags.dagbag import parse_dag, run_with_airflow


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(data_dir=tmp_path / "lk-data")


def test_dag_bag_has_the_lambda_batch_chain_and_imports_nothing_heavy(settings):
    parsed = parse_dag(settings, "lambda_batch")
    assert parsed["import_errors"] == {}
    assert "lambda_batch" in parsed["dag_ids"]
    assert parsed["downstream"] == {
        "ingest": ["batch_views"],
        "batch_views": ["publish"],
        "publish": ["refresh_serving"],
        "refresh_serving": [],
    }
    assert set(parsed["retries"].values()) == {2}
    assert parsed["outlets"] == {  # the Assets view shows each publish
        "ingest": [],
        "batch_views": [],
        "publish": ["lk_batch_views"],
        "refresh_serving": [],
    }
    assert parsed["schedule"] == "@hourly"
    assert parsed["catchup"] is False
    assert parsed["max_active_runs"] == 1
    assert parsed["params"] == {"logic_version": "v1"}
    assert parsed["start_date"] == "2026-01-01T00:00:00+00:00"
    assert parsed["tags"] == ["batch", "lambda"]
    assert "horizon `H`" in parsed["doc_md"] and "skipped" in parsed["doc_md"]
    assert all(parsed["param_descriptions"].values()), parsed["param_descriptions"]
    assert all(doc and "**" in doc for doc in parsed["task_docs"].values()), parsed["task_docs"]
    # Parsing happens every 30 s in the DAG processor: no Spark, Kafka or DuckDB there.
    assert parsed["heavy_modules"] == []


def test_schedule_comes_from_the_environment(settings):
    assert (
        parse_dag(settings, "lambda_batch", LK_LAMBDA_SCHEDULE="*/15 * * * *")["schedule"]
        == "*/15 * * * *"
    )
    assert parse_dag(settings, "lambda_batch", LK_LAMBDA_SCHEDULE="none")["schedule"] is None


def test_without_a_broker_a_scheduled_run_skips_and_a_triggered_one_fails(settings):
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    from architectures.task_states import require_log

    nowhere = replace(settings, bootstrap=f"127.0.0.1:{free_port()}")  # nothing listens there
    line = (
        f"no Kafka broker answers at {nowhere.bootstrap} (start the local one with `lk kafka up`)"
    )
    with pytest.raises(AirflowSkipException) as skipped:
        require_log(nowhere, run_type="scheduled")
    assert str(skipped.value) == f"skipped this scheduled run: {line}"
    with pytest.raises(AirflowFailException) as failed:
        require_log(nowhere, run_type="manual")
    assert str(failed.value) == line


def test_a_run_ingests_up_to_its_own_time_never_the_wall_clock():
    from architectures.lambda_tasks import run_end

    interval_end = datetime(2026, 3, 1, 12, tzinfo=UTC)
    triggered = SimpleNamespace(run_after=datetime(2026, 3, 1, 12, 5, tzinfo=UTC))
    assert run_end(triggered, interval_end, None) == interval_end
    assert run_end(triggered, None, None) == triggered.run_after
    assert run_end(None, None, None) is None


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
    said = log.read_text()  # each task says what it did
    assert "ingest run 1: " in said and "horizon H = " in said and "s with spark-submit" in said

    layout = Layout(settings.data_dir)
    assert layout.catalog.exists()
    assert any(layout.batch.glob("version=*")), "no batch version was published"
    # The run's `until` is after every record was appended: the whole log was ingested.
    assert sum(committed_offsets(layout, topic).values()) == produced
    # The publish step updated its Asset, and the serving_catalog DAG is queued on it.
    events, queued = asset_events(settings)
    assert events == [["lk_batch_views", "lambda_batch", "publish"]]
    assert queued == [["lk_batch_views", "serving_catalog"]]


ASSET_EVENTS = """
import json
from sqlalchemy import select
from airflow.models.asset import AssetDagRunQueue, AssetEvent, AssetModel
from airflow.utils.session import create_session
with create_session() as session:
    names = dict(session.execute(select(AssetModel.id, AssetModel.name)).all())
    events = session.execute(
        select(AssetEvent.asset_id, AssetEvent.source_dag_id, AssetEvent.source_task_id)
    ).all()
    queued = session.execute(select(AssetDagRunQueue.asset_id, AssetDagRunQueue.target_dag_id))
    print(json.dumps([[[names[a], *rest] for a, *rest in events],
                      [[names[a], dag] for a, dag in queued.all()]]))
"""


def asset_events(settings: Settings) -> tuple[list, list]:
    """The Asset events in Airflow's database ([asset, source DAG, source task]) and the DAG runs
    they queued ([asset, target DAG])."""
    events, queued = run_with_airflow(settings, ASSET_EVENTS)
    return events, queued
