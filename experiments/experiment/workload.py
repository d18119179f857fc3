"""The records an experiment sends: its scenario's workload preset with the scenario's knobs,
paced at the plan's rate; or a real data file (`real`) replayed at that rate."""

from __future__ import annotations

from collections.abc import Iterator

from core.errors import LkError
from experiments.experiment.plan import Plan
from workloads.file_replay import read_file
from workloads.generator import generate
from workloads.producer import SendSummary
from workloads.records import Record
from workloads.run import paced_records
from workloads.scenarios import scenario_named


def check_workload(plan: Plan) -> None:
    """Refuse, with one line, a plan whose records cannot be made (before anything starts)."""
    if plan.scenario.needs_file and plan.file is None:
        raise LkError(f"scenario {plan.scenario.name!r} replays a data file: give --file PATH")
    if plan.file is not None and not plan.file.is_file():
        raise LkError(f"--file {plan.file}: no such file")
    preset = scenario_named(plan.scenario.workload)
    preset.with_overrides(**plan.scenario.knobs)  # an unknown knob: one line


def records_of(plan: Plan) -> Iterator[Record]:
    """Every record of the run in sending order, each with its `send_at` (s after the start)."""
    if plan.file is not None:
        records = read_file(plan.file)
        for index, record in enumerate(paced_records(records, plan.rate)):
            if index >= plan.events:
                return
            yield record
        return
    scenario = scenario_named(plan.scenario.workload).with_overrides(
        rate=plan.rate, acceleration=plan.scenario.acceleration, **plan.scenario.knobs
    )
    yield from generate(scenario, plan.seed, events=plan.events)


def sent_figures(summary: SendSummary) -> dict:
    """What a run sent, as results.json keeps it: `records`, `kinds` (records by kind), `late`
    (events sent late) and `seconds` (the sending time, s)."""
    return {
        "records": summary.records,
        "kinds": dict(summary.kinds),
        "late": summary.late,
        "seconds": round(summary.seconds, 2),
    }
