"""`lk experiment run`: every repeat of one scenario, then `results.json` and `report.html`.

`DIR/results.json` holds `scenario` (name, description), `environment` (versions, cores,
memory, parameters, seed, git commit), `metrics` (records `{architecture, metric, value, unit,
repeat}`), `series` (accuracy over time), `latencies` (per window and repeat), `disk` (bytes per
architecture over time: `{repeat, t_s, architecture, bytes}`) and `marks` (what happened
when); `DIR/run-<k>/` keeps each repeat's recorded tables and job logs.
"""

from __future__ import annotations

import importlib.metadata
import json
from dataclasses import asdict
from pathlib import Path

import pyarrow.parquet as pq

from core.atomic import write_json
from core.settings import Settings
from experiments.experiment.plan import Plan
from experiments.experiment.run import Display, ExperimentRun, RunRecord
from experiments.experiment.run_metrics import run_metrics
from experiments.experiment.workload import check_workload
from experiments.figures import environment


def run_experiment(settings: Settings, plan: Plan, out: Path, display: Display) -> dict:
    """Run every repeat of `plan` into `out` and write results.json and report.html there;
    the results. LkError (one line) for a plan that cannot run or a broker that is missing."""
    check_workload(plan)
    out.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "scenario": {"name": plan.scenario.name, "description": plan.scenario.description},
        "environment": _environment(settings, plan),
        "metrics": [],
        "series": [],
        "latencies": [],
        "marks": [],
    }
    for repeat in range(1, plan.repeat + 1):
        run = ExperimentRun(settings, plan, run_folder(out, repeat), repeat, display).execute()
        _add_run(results, run, plan)
        write_json(out / "results.json", results)  # what is done so far survives a later failure
    from experiments.experiment.report import write_report

    write_report(results, out / "report.html")
    return results


def run_folder(out: Path, repeat: int) -> Path:
    """The folder of repeat `repeat` (from 1) of an experiment written to `out`: `run-<k>/`."""
    return out / f"run-{repeat}"


def run_data_dir(out: Path, repeat: int) -> Path:
    """The data directory of repeat `repeat` of an experiment written to `out`
    (`run-<k>/data/`, as ExperimentRun sets it), with its serving catalog in `serving/`."""
    return run_folder(out, repeat) / "data"


def _add_run(results: dict, run: RunRecord, plan: Plan) -> None:
    folder = run.folder
    changes = pq.read_table(folder / "changes.parquet")
    samples = pq.read_table(folder / "samples.parquet")
    truth = pq.read_table(folder / "truth_rows.parquet")
    results["metrics"] += run_metrics(run, samples, changes, truth)
    results["marks"] += [
        {"repeat": run.repeat, "t_s": round(t - run.started, 2), "what": what}
        for t, what in run.marks
    ]
    from experiments.experiment import metrics

    served = metrics.served_metrics(changes, samples, truth, repeat=run.repeat, started=run.started)
    results["metrics"] += served["metrics"]
    results["series"] += served["series"]
    results.setdefault("disk", []).extend({"repeat": run.repeat, **row} for row in run.disk_series)
    results["latencies"] += served["latencies"]
    results.setdefault("runs", []).append(
        {
            "repeat": run.repeat,
            "seed": plan.seed_of(run.repeat),
            "folder": str(folder),
            "sent": run.sent,
            "ended_by": run.ended_by,
            "logic_version": run.logic_version,
            "recompute": run.recompute,
        }
    )


def _environment(settings: Settings, plan: Plan) -> dict:
    from infra.java import kafka_version

    versions = {}
    for package in ("pyspark", "duckdb", "apache-airflow", "confluent-kafka"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    versions["kafka"] = kafka_version()
    parameters = {key: value for key, value in asdict(plan).items() if key != "scenario"}
    parameters["watermark"] = plan.scenario.watermark
    parameters["acceleration"] = plan.scenario.acceleration
    parameters["spark_master"] = settings.spark_master
    parameters["bootstrap"] = settings.bootstrap
    return {
        **environment(),
        "versions": versions,
        "parameters": json.loads(json.dumps(parameters, default=str)),
        "seed": plan.seed,
    }
