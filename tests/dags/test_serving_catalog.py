"""The serving catalog DAG runs on the Assets the batch publish and the Kappa switch update, and
every task takes Kafka's and Spark's addresses from Airflow Connections when they are defined."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.settings import Settings
from tests.dags.dagbag import parse_dag, run_with_airflow


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(data_dir=tmp_path / "lk-data")


def test_the_catalog_is_refreshed_on_either_asset(settings):
    parsed = parse_dag(settings, "serving_catalog")
    assert parsed["import_errors"] == {}
    assert {"lambda_batch", "kappa_reprocess", "serving_catalog"} <= set(parsed["dag_ids"])
    assert parsed["schedule"] == {"AssetAny": ["lk_batch_views", "lk_kappa_serving"]}
    assert parsed["downstream"] == {"refresh": []}
    assert "lk_batch_views" in parsed["doc_md"] and parsed["heavy_modules"] == []
    assert all(doc and "**" in doc for doc in parsed["task_docs"].values())


SETTINGS_OF_A_TASK = """
import json
from architectures.serving_tasks import task_settings
settings = task_settings()
print(json.dumps({"bootstrap": settings.bootstrap, "spark_master": settings.spark_master}))
"""


def _task_settings(settings: Settings, **connections: str) -> dict:
    """`task_settings()` in a fresh interpreter with Airflow's environment and `connections`
    (AIRFLOW_CONN_<ID> variables: Airflow's own way to define a Connection outside its DB)."""
    env = {**settings.as_env()}
    env.update({f"AIRFLOW_CONN_{conn_id.upper()}": uri for conn_id, uri in connections.items()})
    return run_with_airflow(settings, SETTINGS_OF_A_TASK, **env)


def test_connections_give_kafka_s_and_spark_s_addresses_and_lk_variables_the_rest(settings):
    assert _task_settings(settings) == {
        "bootstrap": settings.bootstrap,
        "spark_master": settings.spark_master,
    }
    kafka = json.dumps(
        {"conn_type": "kafka", "extra": {"bootstrap.servers": "10.0.0.1:9092,10.0.0.2:9092"}}
    )
    spark = json.dumps({"conn_type": "spark", "host": "spark://10.0.0.3", "port": 7077})
    assert _task_settings(settings, lk_kafka=kafka, lk_spark=spark) == {
        "bootstrap": "10.0.0.1:9092,10.0.0.2:9092",
        "spark_master": "spark://10.0.0.3:7077",
    }
    plain = json.dumps({"conn_type": "generic", "host": "127.0.0.1", "port": 19092})
    assert _task_settings(settings, lk_kafka=plain)["bootstrap"] == "127.0.0.1:19092"
