"""
### Lambda batch layer

One run recomputes the batch views from the master dataset and moves the batch horizon forward:

1. **ingest**: the Kafka records appended before the run's data interval end (ingestion time,
   `LogAppendTime`) go into the master dataset, exactly once, from the offsets the previous run
   committed; invalid records go to the rejected store.
2. **batch_views**: a Spark job (`spark-submit`) recomputes every view from the whole master
   dataset with the `logic_version` param into a staged batch version.
3. **publish**: the staged version is renamed into place atomically with its horizon `H`:
   windows ending at or before `H` are complete in the batch views.
4. **refresh_serving**: the DuckDB catalog points `batch_*` at the new version, so `lambda_*`
   takes windows up to `H` from the batch views and later ones from the speed layer.

Each task calls one function of `architectures.lambda_architecture`. Settings come from the
`LK_*` environment the scheduler was started with (`lk airflow up`); the schedule is
`LK_LAMBDA_SCHEDULE` (default `@hourly`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag, task

from core.settings import DEFAULT_LOGIC_VERSION, Settings

SCHEDULE = Settings.from_env().lambda_schedule


@contextmanager
def failing_at_once() -> Iterator[None]:
    """A NotRetryable error fails the task at once instead of being retried."""
    from airflow.sdk.exceptions import AirflowFailException

    from core.errors import NotRetryable

    try:
        yield
    except NotRetryable as error:
        raise AirflowFailException(str(error)) from None


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
        """Read the log up to the run's end into the master dataset; the run's counts and offsets."""
        from architectures.lambda_architecture import ingest_step

        # The run's own time, never the wall clock: a retry reads up to the same instant. A run
        # triggered without a logical date has only `run_after`.
        end = data_interval_end or logical_date or (dag_run.run_after if dag_run else None)
        until = datetime.fromisoformat(end.isoformat()) if end else None  # pendulum -> datetime
        with failing_at_once():  # a recreated topic: retrying cannot help
            ingested = ingest_step(Settings.from_env(), until)
        return {**ingested, "until": until and until.isoformat()}

    @task
    def batch_views(ingested: dict, params: dict | None = None) -> dict:
        """Recompute every batch view into a staged version; where it is and its horizon."""
        from architectures.lambda_architecture import views_step

        logic_version = (params or {}).get("logic_version", DEFAULT_LOGIC_VERSION)
        print(f"batch views ({logic_version}) over the master dataset after ingest {ingested}")
        with failing_at_once():  # an unknown logic version: retrying cannot help
            return views_step(Settings.from_env(), logic_version=logic_version)

    @task
    def publish(staged: dict) -> dict:
        """Rename the staged version into place; the published version and its horizon."""
        from architectures.lambda_architecture import publish_step

        return publish_step(Settings.from_env(), staged)

    @task
    def refresh_serving(published: dict) -> dict:
        """Point the serving catalog's views at the new batch version."""
        from architectures.lambda_architecture import refresh_step

        print(f"refreshing the serving catalog for batch version {published}")
        return refresh_step(Settings.from_env())

    refresh_serving(publish(batch_views(ingest())))


lambda_batch()
