"""Airflow as a multi-host set-up runs it: its metadata in PostgreSQL instead of SQLite (README:
Scaling out). `lk`'s Airflow keeps the database the user names in
AIRFLOW__DATABASE__SQL_ALCHEMY_CONN; a lambda_batch run triggered through the REST API runs with
the LocalExecutor and is recorded in PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.kafka_client import ensure_topic
from core.net import free_port
from experiments.experiment.airflow_batch import AirflowBatch
from infra.airflow_home import airflow_env, airflow_files
from tests.postgres import postgres_server, query
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = [pytest.mark.slow, pytest.mark.cluster]


def test_lambda_batch_runs_with_its_metadata_in_postgres(kafka, tmp_path, monkeypatch):
    port = free_port()
    with postgres_server(tmp_path / "postgres", port) as url:
        monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", url)
        settings = replace(kafka, topic="airflow-postgres", data_dir=tmp_path / "data")
        ensure_topic(settings.bootstrap, settings.topic, partitions=2)
        send_records(
            list(generate(SCENARIOS["steady"], seed=3, events=500)),
            settings.bootstrap, settings.topic, paced=False, total=None,
        )  # fmt: skip
        assert airflow_env(settings)["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == url
        batch = AirflowBatch(settings)
        try:
            batch.start()
            horizon = batch.run("v1")
        finally:
            batch.stop()
        assert horizon not in ("", "None")
        runs = query(port, "SELECT state FROM dag_run WHERE dag_id = 'lambda_batch'")
        assert runs == ["success"]
        tasks = query(
            port,
            "SELECT task_id, state FROM task_instance WHERE dag_id = 'lambda_batch' "
            "ORDER BY task_id",
        )
        assert tasks and all(line.endswith("|success") for line in tasks), tasks
        assert not airflow_files(settings).database.exists()  # no SQLite file was made
