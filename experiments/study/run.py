"""`lk study run`: every scenario of a study as an experiment, then `study.json` and `study.html`.

`DIR/study.json` holds `plan` (scenarios, repeats, share, events, rate, seed, batch interval),
`where` (Kafka bootstrap and brokers, Spark master, cores, memory, versions, git commit),
`started`/`finished` (ISO 8601, UTC) and `scenarios` (per scenario: `name`, `results`, the
path of its results.json relative to DIR, and `seconds` it took). Each scenario's experiment is
kept whole in `DIR/<scenario>/` (results.json, report.html, run-<k>/), so every figure of the
verdict traces to a results.json. A scenario whose results.json already holds every repeat is
not run again (`--resume` of an interrupted study is running it again with the same DIR).
The display gets each experiment's state with `scenario` added.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from core.atomic import read_json, write_json
from core.errors import LkError
from core.settings import Settings
from experiments.experiment.experiment import run_experiment
from experiments.experiment.plan import Plan
from experiments.experiment.retention import require_retention_checks
from experiments.experiment.run import Display
from experiments.figures import environment
from experiments.study.files import STUDY_FILE
from experiments.study.plan import StudyPlan


def run_study(settings: Settings, plan: StudyPlan, out: Path, display: Display) -> dict:
    """Run every scenario of `plan` into `out` and write study.json and study.html; the study
    document. LkError (one line) for a missing broker or a scenario that cannot run (checked
    before the first scenario where it can be: e.g. brokers too slow for `retention`)."""
    out.mkdir(parents=True, exist_ok=True)
    study = {
        "plan": json.loads(json.dumps(asdict(plan), default=str)),
        "where": where(settings),
        "started": _now(),
        "scenarios": [],
    }
    for name in plan.scenarios:  # refused now, not after the scenarios before it
        if plan.experiment_plan(name).scenario.retention is not None:
            require_retention_checks(settings.bootstrap, name)
    for name in plan.scenarios:
        folder = out / name
        began = time.monotonic()
        if _complete(folder, plan.experiment_plan(name)):
            seconds = None
        else:
            run_experiment(settings, plan.experiment_plan(name), folder,
                           lambda state, name=name: display({**state, "scenario": name}))  # fmt: skip
            seconds = round(time.monotonic() - began, 1)
        study["scenarios"].append(
            {"name": name, "results": f"{name}/results.json", "seconds": seconds}
        )
        write_json(out / STUDY_FILE, study)  # what is done so far survives a later failure
    study["finished"] = _now()
    write_json(out / STUDY_FILE, study)
    from experiments.study.report import write_study_report

    write_study_report(out)
    return study


def where(settings: Settings) -> dict:
    """Where the study ran: `bootstrap`, `brokers` (how many the cluster reports),
    `spark_master`, and the machine (`experiments.figures.environment`). LkError (one line) for
    a missing broker, before anything runs."""
    from core.kafka_client import admin_client

    with admin_client(settings.bootstrap) as admin:
        brokers = len(admin.describe_cluster()["brokers"])
    return {
        "bootstrap": settings.bootstrap,
        "brokers": brokers,
        "spark_master": settings.spark_master,
        **environment(),
    }


def _complete(folder: Path, plan: Plan) -> bool:
    """Whether `folder` holds this plan's results with every repeat (then it is not run again).
    LkError (one line) if it holds another plan's: its repeats' data would mix."""
    results = read_json(folder / "results.json")
    if not results:
        return False
    environment = results.get("environment", {})
    done = environment.get("parameters", {})
    wanted = {"events": plan.events, "rate": plan.rate, "batch_interval": plan.batch_interval,
              "repeat": plan.repeat}  # fmt: skip
    if environment.get("seed") != plan.seed or any(done.get(k) != v for k, v in wanted.items()):
        raise LkError(
            f"{folder} holds results of another plan (seed, events, rate, repeats or batch "
            "interval differ); give a new --out, or remove that folder to run it again"
        )
    return len(results.get("runs", [])) >= plan.repeat


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
