"""What every DAG task starts from, and the `serving_catalog` DAG's one task.

`task_settings`: the project's settings with Kafka's and Spark's addresses from Airflow
Connections when they are defined (`lk_kafka`: its `bootstrap.servers` extra, as Airflow's
Kafka provider names it, or host:port; `lk_spark`: host, with its port, as Airflow's Spark
provider names a master, e.g. host `spark://127.0.0.1` port 7077, or `local[2]`), else from the
`LK_*` environment the scheduler was started with. Jobs a task starts get them in their
environment (`Settings.as_env`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from architectures.lambda_architecture import refresh_step
from architectures.task_states import task_log
from core.settings import Settings

KAFKA_CONNECTION, SPARK_CONNECTION = "lk_kafka", "lk_spark"
"""The Airflow Connections a task reads Kafka's and Spark's addresses from, when defined."""

Report = Callable[[str], None]


def task_settings() -> Settings:
    """Settings for a task: `LK_*`, with the addresses of the connections that are defined."""
    overrides: dict[str, str] = {}
    kafka = _connection(KAFKA_CONNECTION)
    if kafka is not None:
        servers = kafka.extra_dejson.get("bootstrap.servers")
        overrides["bootstrap"] = servers or _host_port(kafka)
    spark = _connection(SPARK_CONNECTION)
    if spark is not None:
        overrides["spark_master"] = _host_port(spark)
    return Settings.from_env(**overrides)


def refresh(settings: Settings, report: Report = task_log) -> dict:
    """Point the serving catalog at what is published now; what the views read."""
    started = time.monotonic()
    catalog = refresh_step(settings)
    refused = catalog.get("lambda_refused")
    report(
        f"batch_* read version {catalog.get('batch_version')} (H = {catalog.get('horizon')}); "
        f"kappa_* read v{catalog.get('kappa_version')}; "
        + (f"lambda_* refused: {refused}" if refused else "lambda_* = batch_* up to H + speed_*")
        + f"; {time.monotonic() - started:.1f} s"
    )
    return catalog


def _connection(conn_id: str):
    """The Airflow Connection, or None when it is not defined."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        return None


def _host_port(connection) -> str:
    return f"{connection.host}:{connection.port}" if connection.port else str(connection.host)
