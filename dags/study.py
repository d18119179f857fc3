"""
### Study: every scenario, repeated, one Lambda-vs-Kappa verdict

Runs each chosen scenario as an experiment `repeat` times (a stream of its own each time), then
judges Lambda against Kappa over all of them. The default size takes about an hour on a 2-core
machine (2 to 4.5 minutes a repeat), `quick` about 40 minutes.

Everything goes to `LK_DATA_DIR/studies/<run id>/`: `study.json` (the plan, where it ran, each
scenario's results file), `<scenario>/results.json` and `<scenario>/report.html` per scenario,
and `study.html`, the verdict (self-contained: open it in a browser). The task log shows each
scenario as it starts, the progress every 10 s, the verdict table, and names `study.html`.
Same as `lk study run`; the form offers every scenario but `real` (it needs a file on the
worker: use the command line).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag, task

from experiments.study.plan import SIZES, STUDY_SCENARIOS

SCENARIOS = list(STUDY_SCENARIOS)
"""The scenarios the form offers: every one that needs no data file."""
DEFAULT, QUICK = SIZES["default"], SIZES["quick"]


@dag(
    dag_id="study",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    params={
        "scenarios": Param(
            SCENARIOS,
            type="array",
            examples=SCENARIOS,
            items={"type": "string", "enum": SCENARIOS},
            minItems=1,
            uniqueItems=True,
            description="the scenarios to run, in this order",
        ),
        "quick": Param(
            False,
            type="boolean",
            description=f"the quick size: {QUICK.repeat} repeats, {QUICK.share:g} of the events",
        ),
        "repeat": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            maximum=10,
            description=f"repeats per scenario (empty: {DEFAULT.repeat}; quick: {QUICK.repeat})",
        ),
        "events": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            description=f"events per scenario (empty: {DEFAULT.share:g} of its own; quick: {QUICK.share:g})",
        ),
        "rate": Param(
            None,
            type=["null", "number"],
            exclusiveMinimum=0,
            description="events per second (empty: each scenario's own)",
        ),
        "seed": Param(7, type="integer", description="the seed every stream derives from"),
        "batch_interval": Param(
            None,
            type=["null", "number"],
            exclusiveMinimum=0,
            description=f"seconds between batch-layer runs (empty: {DEFAULT.batch_interval:g})",
        ),
    },
    tags=["experiment", "study"],
    doc_md=__doc__,
)
def study() -> None:
    @task(retries=0, execution_timeout=timedelta(hours=12))
    def run_study(params: dict | None = None, run_id: str | None = None) -> dict:
        """**The study.** Runs every chosen scenario (each as it starts, its progress every
        10 s), then logs the verdict table and the path of `study.html`."""

        from architectures.serving_tasks import task_settings
        from architectures.task_states import task_log
        from experiments.study.from_airflow import run_from_params

        params = dict(params or {})
        return run_from_params(task_settings(), params, run_id or "manual", task_log)

    run_study()


study()
