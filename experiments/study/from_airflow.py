"""The `study` DAG's task: one `lk study run` from the trigger form's params, its progress in the
task log, the verdict table and the page's path at the end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.layout import Layout
from core.settings import Settings
from experiments.experiment.from_airflow import Report, every_10_s
from experiments.study.files import REPORT_FILE, STUDY_FILE
from experiments.study.plan import SIZES, STUDY_SCENARIOS, StudyPlan
from experiments.study.run import run_study


def run_from_params(settings: Settings, params: dict, run_id: str, report: Report) -> dict:
    """Run the study the params name (`scenarios`, a list or comma-separated, empty: every one;
    `quick` for the quick size; `repeat`, `events`, `rate`, `batch_interval` or None for the
    size's and scenarios' defaults; `seed`) into `LK_DATA_DIR/studies/<run id>/`;
    {study, report}. LkError (one line) for an unknown scenario or a missing broker."""
    plan = study_plan(params)
    safe_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in run_id)
    out = Layout(settings.data_dir).root / "studies" / safe_id
    events = f"{plan.events} events" if plan.events else f"{plan.share:g} of each one's events"
    rate = f"{plan.rate:g}/s" if plan.rate else "its own rate"
    report(f"study of {len(plan.scenarios)} scenario(s) ({', '.join(plan.scenarios)}): "
           f"{plan.repeat} repeat(s), {events} at {rate}, seed {plan.seed}, batch every "
           f"{plan.batch_interval:g} s; into {out}")  # fmt: skip
    run_study(settings, plan, out, _per_scenario(plan, out, report))
    from experiments.study.report import study_table

    report(study_table(out))
    report(f"study: {out / REPORT_FILE}")
    return {"study": str(out / STUDY_FILE), "report": str(out / REPORT_FILE)}


def study_plan(params: dict) -> StudyPlan:
    """The StudyPlan of the trigger form's params. LkError for an unknown scenario."""
    names = params.get("scenarios") or STUDY_SCENARIOS
    if isinstance(names, str):
        names = [name.strip() for name in names.split(",") if name.strip()]
    size = SIZES["quick" if params.get("quick") else "default"]
    return StudyPlan(
        scenarios=tuple(names),
        repeat=int(params.get("repeat") or size.repeat),
        share=size.share,
        events=params.get("events") or None,
        rate=float(params["rate"]) if params.get("rate") else None,
        seed=int(params["seed"]) if params.get("seed") is not None else 7,
        batch_interval=float(params.get("batch_interval") or size.batch_interval),
    )


def _per_scenario(plan: StudyPlan, out: Path, report: Report) -> Callable[[dict], None]:
    """A Display that names each scenario as it starts, then writes the run's state at most
    every 10 s and at each phase."""
    show = every_10_s(report)
    current = {"name": None}

    def display(state: dict) -> None:
        name = state.get("scenario")
        if name is not None and name != current["name"]:
            current["name"] = name
            place = plan.scenarios.index(name) + 1
            report(f"scenario {name} ({place} of {len(plan.scenarios)}) into {out / name}")
        show(state)

    return display
