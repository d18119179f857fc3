"""The Lambda batch layer on a schedule: ingest, batch views, publish the horizon, refresh serving.

Thin on purpose: each task calls one function of the layers and passes a small dict on by XCom.
Parsing this file imports only Airflow; the layers (and pyspark) are imported inside the tasks.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag, task

SCHEDULE = os.environ.get("LK_LAMBDA_SCHEDULE", "@hourly")
"""A cron expression or preset; `none` runs the DAG only when triggered."""

DOC = """
### Lambda batch layer

One run recomputes the batch views from the master dataset and moves the batch horizon forward:

1. **ingest**: the Kafka records appended before the run's data interval end (the
   ingestion time, `LogAppendTime`) go into the master dataset, exactly once, from the offsets
   the previous run committed; invalid records go to the rejected store.
2. **batch_views**: a Spark job recomputes every view from the whole master dataset with the
   logic version given by the `logic_version` param, into a staged batch version.
3. **publish**: the staged version is renamed into place atomically with its horizon `H`:
   windows ending at or before `H` are complete in the batch views.
4. **refresh_serving**: the DuckDB catalog points `batch_*` at the new version, so `lambda_*`
   takes windows up to `H` from the batch views and later ones from the speed layer.

Settings come from the `LK_*` environment variables the scheduler was started with
(`lk airflow up`). The schedule is `LK_LAMBDA_SCHEDULE` (default `@hourly`).
"""


@dag(
    dag_id="lambda_batch",
    schedule=None if SCHEDULE.lower() == "none" else SCHEDULE,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
        "execution_timeout": timedelta(hours=2),
    },
    params={
        "logic_version": Param("v1", type="string", description="the view logic to compute"),
    },
    tags=["lambda", "batch"],
    doc_md=DOC,
)
def lambda_batch() -> None:
    @task
    def ingest(
        data_interval_end: datetime | None = None,
        logical_date: datetime | None = None,
        dag_run=None,  # Airflow fills these three from the run's context, by name
    ) -> dict:
        """Read the log up to the run's end into the master dataset; the run's counts and offsets."""
        from batch_layer.tasks import ingest as ingest_log
        from lk.settings import Settings

        # The run's own time, never the wall clock: a retry reads up to the same instant. A run
        # triggered without a logical date has only `run_after`.
        end = data_interval_end or logical_date or (dag_run.run_after if dag_run else None)
        until = datetime.fromisoformat(end.isoformat()) if end else None  # pendulum -> datetime
        result = ingest_log(Settings.from_env(), until=until)
        return {**result, "until": until.isoformat() if until else None}

    @task
    def batch_views(ingested: dict, params: dict | None = None) -> dict:
        """Recompute every batch view into a staged version; where it is and its horizon."""
        from batch_layer.tasks import compute_views
        from lk.settings import Settings

        logic_version = (params or {}).get("logic_version", "v1")
        print(f"batch views ({logic_version}) over the master dataset after ingest {ingested}")
        return compute_views(Settings.from_env(), logic_version=logic_version)

    @task
    def publish(staged: dict) -> dict:
        """Rename the staged version into place; the published version and its horizon."""
        from batch_layer.tasks import publish as publish_staged
        from lk.settings import Settings

        return publish_staged(Settings.from_env(), staged)

    @task
    def refresh_serving(published: dict) -> dict:
        """Point the serving catalog's views at the new batch version."""
        from lk.settings import Settings
        from serving_layer.catalog import refresh_catalog

        print(f"refreshing the serving catalog for batch version {published}")
        return refresh_catalog(Settings.from_env())

    refresh_serving(publish(batch_views(ingest())))


lambda_batch()
