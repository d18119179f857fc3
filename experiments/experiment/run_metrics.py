"""The metric records of one repeat that come from the run itself rather than from comparing
served rows over time: what each stream dropped and rejected, the recompute, the action's
outcome (time to correct, recovery), resources per component, disk bytes per architecture
(`disk_peak_bytes`, `disk_end_bytes`, `disk_reprocess_ratio`: experiments.experiment.disk),
what retention deleted and how exact each rebuild from what was kept is
(`records_deleted_by_retention`, `rebuild_accuracy`: experiments.experiment.retention), and
what each architecture costs to write and to operate.

A record is `{architecture, metric, value, unit, repeat}`; `architecture` is `lambda`, `kappa`
or `shared` (Kafka, used by both).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from core.settings import REPO_ROOT
from experiments.experiment.metrics import accuracy_over_time
from experiments.experiment.run import RunRecord

COMPONENTS = {
    "kafka": "shared",
    "speed": "lambda",
    "batch": "lambda",
    "batch-recompute": "lambda",
    "kappa": "kappa",
    "kappa-replay": "kappa",
    "airflow": "lambda",
}
"""Which architecture each measured component belongs to."""

CODE = {
    "lambda": (
        "batch_layer", "speed_layer", "serving_layer/merge.py",
        "architectures/lambda_architecture.py", "dags/lambda_batch.py", "lk/cli_lambda.py",
    ),
    "kappa": (
        "kappa", "architectures/kappa_architecture.py", "architectures/kappa_background.py",
        "dags/kappa_reprocess.py", "lk/cli_kappa.py",
    ),
}  # fmt: skip
"""The code each architecture needs beyond the shared parts (the event contract and views in
`views/`, the streaming engine in `streaming/`, the serving catalog, `core/`): files and
folders of this repository."""

JOBS_TO_OPERATE = {"lambda": 2, "kappa": 1}
"""Jobs that run all the time or on a schedule: Lambda's batch layer (scheduled by Airflow) and
its speed layer; Kappa's one streaming job (a second runs only while a new version replays)."""


def record(architecture: str, metric: str, value: float | None, unit: str, repeat: int) -> dict:
    """One metric record."""
    return {
        "architecture": architecture,
        "metric": metric,
        "value": value,
        "unit": unit,
        "repeat": repeat,
    }


def run_metrics(
    run: RunRecord, samples: pa.Table, changes: pa.Table, truth: pa.Table
) -> list[dict]:
    """Every metric record of one repeat that the runner measures itself."""
    k = run.repeat
    found = []
    for architecture in ("lambda", "kappa"):
        status = run.status.get(architecture, {})
        found.append(
            record(architecture, "late_events_dropped", status.get("dropped_late"), "events", k)
        )
        found.append(record(architecture, "rejected_records", status.get("rejected"), "records", k))
        found.append(record(architecture, "code_lines", code_lines(architecture), "lines", k))
        found.append(
            record(architecture, "jobs_to_operate", JOBS_TO_OPERATE[architecture], "jobs", k)
        )
    recompute = run.recompute
    for architecture in ("lambda", "kappa"):
        seconds = recompute.get(f"{architecture}_seconds")
        found.append(record(architecture, "recompute_seconds", seconds, "s", k))
        events = recompute.get("events") or recompute.get("records")  # events counted
        if "retention" in recompute and architecture == "lambda":
            events = None  # the count is the replay's; Lambda rebuilt the events retention took too
        rate = events / seconds if seconds and events else None
        found.append(
            record(architecture, "recompute_events_per_s", rate and round(rate), "events/s", k)
        )
    retention = recompute.get("retention") or {}  # the `retention` scenario
    if retention:
        deleted = retention.get("records_deleted")
        found.append(record("shared", "records_deleted_by_retention", deleted, "records", k))
        for architecture, share in retention.get("rebuild_accuracy", {}).items():
            found.append(record(architecture, "rebuild_accuracy", share, "share", k))
    for component, figures in run.resources.items():
        architecture = COMPONENTS.get(component, "shared")
        found.append(
            record(architecture, f"cpu_seconds:{component}", figures["cpu_seconds"], "s", k)
        )
        found.append(
            record(
                architecture, f"peak_rss_bytes:{component}", figures["peak_rss_bytes"], "bytes", k
            )
        )
    for architecture, figures in run.disk.items():
        for name, unit in (
            ("peak_bytes", "bytes"),
            ("end_bytes", "bytes"),
            ("reprocess_ratio", "x"),
        ):
            if figures.get(name) is not None:  # the log has no output to rebuild
                found.append(record(architecture, f"disk_{name}", figures[name], unit, k))
    action = run.action.get("name")
    if action == "failure":
        for architecture, seconds in recovery_seconds(run, samples).items():
            found.append(record(architecture, "recovery_seconds", seconds, "s", k))
    if action == "logic-change":
        for architecture, seconds in time_to_correct(run, changes, truth, samples).items():
            found.append(record(architecture, "time_to_correct_s", seconds, "s", k))
    return found


def recovery_seconds(run: RunRecord, samples: pa.Table) -> dict[str, float | None]:
    """Per architecture, s from the SIGKILL until its restarted streaming job is back: its lag
    (records behind the log) at most what it was just before the kill, or one second of the
    planned rate if that is more. None if it never came back while sampled."""
    killed = run.action["at"]
    restarted = run.action.get("restarted", killed)
    before = run.action.get("lags_before", {})
    rows = samples.to_pylist()
    found: dict[str, float | None] = {}
    for architecture in ("lambda", "kappa"):
        bound = max(before.get(architecture) or 0, run.action.get("rate", 0))
        back = [
            row["t"]
            for row in rows
            if row["architecture"] == architecture
            and row["t"] > restarted
            and row["lag"] is not None
            and row["lag"] <= bound
        ]
        found[architecture] = round(min(back) - killed, 1) if back else None
    return found


def time_to_correct(
    run: RunRecord, changes: pa.Table, truth: pa.Table, samples: pa.Table
) -> dict[str, float | None]:
    """Per architecture, s from the logic change until it serves every oracle row of the new
    logic whose events had all arrived by the change (`last_append` <= the change) exactly,
    and keeps serving them so to the end: a moment of right rows followed by a refusal or a
    wrong row does not count. None if it was not right at its last sample."""
    changed_at = run.action["at"]
    last_append = pc.fill_null(truth["last_append"], float("inf"))
    due = truth.filter(pc.less_equal(last_append, changed_at))
    found: dict[str, float | None] = {}
    for architecture in ("lambda", "kappa"):
        series = accuracy_over_time(changes, samples, due, architecture).to_pylist()
        after = [row for row in series if row["t"] >= changed_at]
        settled = None  # the first sample of the last stretch of right samples
        for row in after:
            right = row["rows_right"] == row["rows_due"] == len(due)
            settled = (settled if settled is not None else row["t"]) if right else None
        found[architecture] = round(settled - changed_at, 1) if settled is not None else None
    return found


def code_lines(architecture: str) -> int:
    """Lines of Python (neither blank nor comment-only) in the architecture's own code."""
    total = 0
    for name in CODE[architecture]:
        path = REPO_ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        total += sum(_lines(file) for file in files if file.is_file())
    return total


def _lines(file: Path) -> int:
    return sum(
        1
        for line in file.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    )
