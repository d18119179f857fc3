"""
### Serving catalog

Runs whenever the data behind the serving views changes: a `lambda_batch` run published a batch
version (Asset `lk_batch_views`) or a `kappa_reprocess` run switched the Kappa version (Asset
`lk_kappa_serving`). One task, **refresh**, points the DuckDB catalog at what is published now
and logs what each serving view reads (the batch version and its horizon `H`, the Kappa version),
so the Assets view links every update to the catalog that served it. It calls one function of
`architectures.serving_tasks`; settings come from Airflow Connections `lk_kafka` and `lk_spark`
when defined, else from the `LK_*` environment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from dags.lk_assets import BATCH_VIEWS, KAPPA_SERVING


@dag(
    dag_id="serving_catalog",
    schedule=BATCH_VIEWS | KAPPA_SERVING,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=10)},
    tags=["serving"],
    doc_md=__doc__,
)
def serving_catalog() -> None:
    @task(execution_timeout=timedelta(minutes=10))
    def refresh() -> dict:
        """**Refresh the catalog** and log what `batch_*`, `lambda_*` and `kappa_*` read now."""
        from architectures import serving_tasks

        return serving_tasks.refresh(serving_tasks.task_settings())

    refresh()


serving_catalog()
