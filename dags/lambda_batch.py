"""
### Lambda batch layer

One run recomputes the batch views from the master dataset and moves the batch horizon forward:

1. **ingest**: the Kafka records appended before the run's data interval end (ingestion time,
   `LogAppendTime`) go into the master dataset, exactly once, from the offsets the previous run
   committed; invalid records go to the rejected store.
2. **batch_views**: a Spark job (`spark-submit`) recomputes every view from the whole master
   dataset with the `logic_version` param into a staged batch version.
3. **publish**: the staged version is renamed into place atomically with its horizon `H`:
   windows ending at or before `H` are complete in the batch views (Asset `lk_batch_views`).
4. **refresh_serving**: the DuckDB catalog points `batch_*` at the new version, so `lambda_*`
   takes windows up to `H` from the batch views and later ones from the speed layer.

A scheduled run with no broker (or no topic) is **skipped** with one line in the ingest log;
a triggered one fails at once. Each task calls one function of `architectures.lambda_tasks`.
Kafka's and Spark's addresses come from the Airflow Connections `lk_kafka` and `lk_spark` when
defined, everything else from the `LK_*` environment the scheduler was started with (`lk airflow up`);
the schedule is `LK_LAMBDA_SCHEDULE` (default `@hourly`, `none` for manual runs only).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag, task

from core.settings import DEFAULT_LOGIC_VERSION, Settings
from dags.lk_assets import BATCH_VIEWS

SCHEDULE = Settings.from_env().lambda_schedule


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
        "logic_version": Param(
            DEFAULT_LOGIC_VERSION, type="string", description="the view logic to compute"
        ),
    },
    tags=["lambda", "batch"],
    doc_md=__doc__,
)
def lambda_batch() -> None:
    @task
    def ingest(data_interval_end=None, logical_date=None, dag_run=None) -> dict:
        """**Kafka → master dataset.** Reads the records appended before the run's data interval
        end, from the offsets the last run committed (`spark-submit batch_layer/job.py ingest`).
        The log names the offsets read per partition, the records, accepted events and rejected
        records, and the time taken. No broker: a scheduled run is skipped, a triggered one fails."""
        from architectures import lambda_tasks
        from architectures.serving_tasks import task_settings

        until = lambda_tasks.run_end(dag_run, data_interval_end, logical_date)
        run_type = getattr(dag_run, "run_type", None)
        return lambda_tasks.ingest(task_settings(), until, run_type=run_type)

    @task
    def batch_views(ingested: dict, params: dict | None = None) -> dict:
        """**Master dataset → staged batch views.** Recomputes every view with the
        `logic_version` param (`spark-submit batch_layer/job.py views`). The log names the rows
        per view, the horizon `H` (newest event time minus the lateness) and the time taken."""
        from architectures import lambda_tasks
        from architectures.serving_tasks import task_settings

        return lambda_tasks.batch_views(task_settings(), ingested, params)

    @task(outlets=[BATCH_VIEWS])
    def publish(staged: dict) -> dict:
        """**Staged → published.** Renames the staged version into place in one step; the log
        names the version number and its horizon `H`. Updates the Asset `lk_batch_views`."""
        from architectures import lambda_tasks
        from architectures.serving_tasks import task_settings

        return lambda_tasks.publish(task_settings(), staged)

    @task
    def refresh_serving(published: dict) -> dict:
        """**Serving catalog.** Points `batch_*` at the new version, so `lambda_*` serves
        windows up to `H` from it and later ones from the speed layer; the log says what each
        serving view reads now."""
        from architectures import lambda_tasks
        from architectures.serving_tasks import task_settings

        return lambda_tasks.refresh_serving(task_settings(), published)

    refresh_serving(publish(batch_views(ingest())))


lambda_batch()
