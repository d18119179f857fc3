"""
### Experiment: one scenario through Lambda and Kappa at once

Streams the chosen scenario through both architectures live, on a fresh topic and a data
directory of its own: the speed layer and a Kappa version run in processes of their own, the
batch layer runs every `batch_interval` seconds, the served views are compared with the oracle
every second. At the end the oracle reads the log and both recomputes are timed.

The results go to `LK_DATA_DIR/experiments/<scenario>-<run id>/`: `results.json` and
`report.html` (self-contained: open it in a browser). The task log shows the progress every
10 s, the side-by-side table, and names the report. Same as `lk experiment run`; scenarios:
`baseline`, `late-data`, `dirty`, `logic-change`, `failure`, `burst`, `retention`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag, task

from experiments.experiment.scenarios import SCENARIOS as EXPERIMENT_SCENARIOS

SCENARIOS = [name for name, scenario in EXPERIMENT_SCENARIOS.items() if not scenario.needs_file]
"""The scenarios the form offers (`real` needs a file on the worker: use the command line)."""


@dag(
    dag_id="experiment",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    params={
        "scenario": Param("late-data", enum=SCENARIOS, description="what to stream"),
        "events": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            description="events to send (empty: the scenario's)",
        ),
        "rate": Param(
            None,
            type=["null", "number"],
            exclusiveMinimum=0,
            description="events per second (empty: the scenario's)",
        ),
        "seed": Param(7, type="integer", description="the generator's seed"),
        "repeat": Param(1, type="integer", minimum=1, maximum=10, description="repeats"),
        "batch_interval": Param(
            60, type="number", exclusiveMinimum=0, description="seconds between batch-layer runs"
        ),
    },  # fmt: skip
    tags=["experiment"],
    doc_md=__doc__,
)
def experiment() -> None:
    @task(retries=0, execution_timeout=timedelta(hours=3))
    def run_scenario(params: dict | None = None, run_id: str | None = None) -> dict:
        """**The experiment.** Runs the scenario (its progress every 10 s), then logs the
        side-by-side table and the path of `report.html`."""

        from architectures.serving_tasks import task_settings
        from architectures.task_states import task_log
        from experiments.experiment.from_airflow import run_from_params

        params = dict(params or {})
        return run_from_params(task_settings(), params, run_id or "manual", task_log)

    run_scenario()


experiment()
