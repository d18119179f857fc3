"""The `experiment` DAG's task: one `lk experiment run` from the trigger form's params, its
progress in the task log, the report's path at the end."""

from __future__ import annotations

import time
from collections.abc import Callable

from core.layout import Layout
from core.settings import Settings
from experiments.experiment.experiment import run_experiment
from experiments.experiment.plan import Plan
from experiments.experiment.scenarios import experiment_scenario

Report = Callable[[str], None]


def run_from_params(settings: Settings, params: dict, run_id: str, report: Report) -> dict:
    """Run the scenario the params name (`scenario`; `events`, `rate`, `seed`, `repeat`,
    `batch_interval` or None for the scenario's defaults) into
    `LK_DATA_DIR/experiments/<scenario>-<run id>/`; {results, report, table}. LkError (one
    line) for an unknown scenario or a missing broker."""
    scenario = experiment_scenario(params["scenario"])
    plan = Plan(
        scenario=scenario,
        events=params.get("events") or scenario.events,
        rate=float(params.get("rate") or scenario.rate),
        seed=int(params.get("seed") or 7),
        repeat=int(params.get("repeat") or 1),
        batch_interval=float(params.get("batch_interval") or 60.0),
    )
    safe_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in run_id)
    out = Layout(settings.data_dir).root / "experiments" / f"{scenario.name}-{safe_id}"
    report(f"experiment {scenario.name!r}: {plan.events} events at {plan.rate:g}/s, "
           f"{plan.repeat} repeat(s), batch every {plan.batch_interval:g} s; into {out}")  # fmt: skip
    results = run_experiment(settings, plan, out, every_10_s(report))
    from experiments.experiment.report import format_table

    table = format_table(results)
    report(table)
    report(f"report: {out / 'report.html'}")
    return {"results": str(out / "results.json"), "report": str(out / "report.html")}


def every_10_s(report: Report) -> Callable[[dict], None]:
    """A Display that writes the run's state to the log at most every 10 s and at each phase."""
    last = {"at": 0.0, "phase": None}

    def show(state: dict) -> None:
        now = time.monotonic()
        if now - last["at"] < 10 and state["phase"] == last["phase"]:
            return
        last.update(at=now, phase=state["phase"])
        lag = state.get("lag", {})
        report(
            f"repeat {state['repeat']}: {state['phase']}, {state['elapsed_s']:.0f} s, "
            f"{state['sent']} records in the log, lag lambda {lag.get('lambda')} kappa "
            f"{lag.get('kappa')}, {state['batch_runs']} batch runs; {state['last_mark']}"
        )

    return show
