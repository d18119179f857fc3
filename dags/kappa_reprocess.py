"""
### Kappa reprocessing (Kreps)

To change the logic in a Kappa architecture, keep the log and reprocess it. One run:

1. **start_version** starts version `v<N>` in the background, replaying the topic from offset 0
   with the `logic_version`, `watermark` and `dedup_horizon` given here into its own folder
   `kappa/v<N>/`; the version in service keeps serving. `version` null means the next number
   (a retry of this run reuses its N).
2. **wait_until_caught_up** logs the new version's lag every 10 s (rescheduled between looks, so
   it holds no worker slot); done once it has replayed
   the whole log and is at most `max_lag` records behind. Fails at once if its job died (see
   `kappa/v<N>/job.log`), and after `catch_up_timeout_minutes` (the job keeps running).
3. **switch**: `kappa_*` serve `v<N>` from now on, in one atomic step. The old version is kept,
   so `lk kappa rollback` serves it again at once (`lk kappa retire M` deletes it).

With `until_caught_up` false the new version keeps tailing the live log after the switch, as
Kreps describes. The first version ever switches itself in when it catches up; each switch
updates the Asset `lk_kappa_serving`. Each task calls one function of `architectures.kappa_tasks`;
Kafka's and Spark's addresses come from the Airflow Connections `lk_kafka` and `lk_spark` when
defined, everything else from the `LK_*` environment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, PokeReturnValue, dag, get_current_context, task

from core.settings import DEFAULT_LOGIC_VERSION, DEFAULT_MAX_LAG, DEFAULT_WATERMARK
from dags.lk_assets import KAPPA_SERVING

MAX_CATCH_UP_MINUTES = 24 * 60
"""The ceiling of the `catch_up_timeout_minutes` param (and the sensor's own hard timeout)."""


@dag(
    dag_id="kappa_reprocess",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0},
    params={
        "logic_version": Param(
            DEFAULT_LOGIC_VERSION, type="string", description="the view logic to replay with"
        ),
        "watermark": Param(
            DEFAULT_WATERMARK, type="string", description="how late an event may arrive"
        ),
        "dedup_horizon": Param(
            None,
            type=["null", "string"],
            description="how long an event_id is remembered to drop its copies (null: the "
            "watermark; at least the watermark)",
        ),
        "version": Param(
            None, type=["null", "integer"], minimum=1, description="null: the next number"
        ),
        "until_caught_up": Param(
            False, type="boolean", description="stop after the replay instead of tailing the log"
        ),
        "max_lag": Param(
            DEFAULT_MAX_LAG, type="integer", minimum=0, description="records behind, to switch"
        ),
        "catch_up_timeout_minutes": Param(
            60,
            type="number",
            exclusiveMinimum=0,
            maximum=MAX_CATCH_UP_MINUTES,
            description="how long the replay may take before the run fails",
        ),
    },
    tags=["kappa", "reprocessing"],
    doc_md=__doc__,
)
def kappa_reprocess() -> None:
    @task(retries=1, execution_timeout=timedelta(minutes=10))
    def start_version(params: dict, run_id: str | None = None) -> dict:
        """**Start v<N> from offset 0** in the background (or find it running), with the run's
        params; the log names the options, N, the PID, the job's log and the version serving."""
        from architectures import kappa_tasks
        from architectures.serving_tasks import task_settings

        return kappa_tasks.start_version(task_settings(), params, run_id)

    @task.sensor(
        poke_interval=10, timeout=timedelta(minutes=MAX_CATCH_UP_MINUTES), mode="reschedule"
    )
    def wait_until_caught_up(started: dict, params: dict, ti=None) -> PokeReturnValue:
        """**Wait for the replay.** Every 10 s the log names v<N>'s offsets, the log's end and
        the lag; done once the whole log is replayed and at most `max_lag` records remain."""
        from architectures import kappa_tasks
        from architectures.serving_tasks import task_settings

        # The first look's start (each look after a reschedule starts the task again).
        since = (
            (ti.get_first_reschedule_date(get_current_context()) or ti.start_date) if ti else None
        )
        state = kappa_tasks.caught_up(task_settings(), started, params, since)
        return PokeReturnValue(is_done=state is not None, xcom_value=state)

    @task(
        retries=1,
        retry_delay=timedelta(seconds=10),
        execution_timeout=timedelta(minutes=10),
        outlets=[KAPPA_SERVING],
    )
    def switch(caught_up: dict, params: dict) -> dict:
        """**Switch** `kappa_*` to v<N> in one atomic step and refresh the catalog; the old
        version stays for `lk kappa rollback`."""
        from architectures import kappa_tasks
        from architectures.serving_tasks import task_settings

        return kappa_tasks.switch(task_settings(), caught_up, params)

    switch(wait_until_caught_up(start_version()))


kappa_reprocess()
