"""The four tasks of the `lambda_batch` DAG: each calls one step of the Lambda architecture and
says in the task log what it did (offsets, records, events, horizon H, version, timings).

The DAG file holds only the schedule, the params and the order of the steps; these functions
hold what a task does with the run it belongs to.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from architectures.lambda_architecture import ingest_step, publish_step, views_step
from architectures.serving_tasks import refresh
from architectures.task_states import failing_at_once, require_log, task_log
from core.settings import DEFAULT_LOGIC_VERSION, Settings

Report = Callable[[str], None]
"""Where a task writes its lines (the task log, by default)."""


def run_end(
    dag_run: Any = None, data_interval_end: Any = None, logical_date: Any = None
) -> datetime | None:
    """The instant a run ingests up to: its data interval end, else its logical date, else (a
    run triggered without a logical date) its `run_after`; never the wall clock, so a retry
    reads up to the same instant. A plain aware datetime (Airflow passes pendulum ones)."""
    end = data_interval_end or logical_date or getattr(dag_run, "run_after", None)
    return datetime.fromisoformat(end.isoformat()) if end else None


def ingest(
    settings: Settings, until: datetime | None, *, run_type: str | None, report: Report = task_log
) -> dict:
    """Append the records ingested before `until` to the master dataset (a scheduled run with
    no broker is skipped first); what the ingest run did, with `until`."""
    ends = require_log(settings, run_type=run_type)
    report(f"topic {settings.topic!r} at {settings.bootstrap}: end offsets now {_offsets(ends)}")
    with failing_at_once():  # a recreated topic: retrying cannot help
        result = ingest_step(settings, until)
    spanned = ", ".join(
        f"p{p} {result['start'][p]}->{result['end'][p]}" for p in sorted(result["end"], key=int)
    )
    if result.get("run") is None:
        report(f"nothing new up to {result.get('until') or 'now'}: offsets {spanned}")
    else:
        skipped = result.get("offsets_without_record") or 0
        report(
            f"ingest run {result['run']}: {result['records']} records up to "
            f"{result.get('until') or 'now'} (offsets {spanned}) -> {result['events']} events "
            f"accepted, {result['rejected']} rejected"
            + (f", {skipped} offsets without a record (transaction markers)" if skipped else "")
        )
    report(_timing(result))
    return result


def batch_views(
    settings: Settings, ingested: dict, params: dict | None, report: Report = task_log
) -> dict:
    """Recompute every view from the master dataset into a staged version; its manifest."""
    logic_version = (params or {}).get("logic_version") or DEFAULT_LOGIC_VERSION
    new = ingested.get("run") or "none new"
    report(f"batch views with logic {logic_version} over the master dataset (ingest run {new})")
    with failing_at_once():  # an unknown logic version: retrying cannot help
        staged = views_step(settings, logic_version=logic_version)
    if staged.get("skipped"):
        report(
            f"unchanged: the published version already has ingest run {staged['ingest_run']} "
            f"and logic {staged['logic_version']}; horizon H = {staged.get('horizon')}"
        )
    else:
        rows = ", ".join(f"{name} {count}" for name, count in staged["rows"].items())
        report(f"rows: {rows}")
        report(
            f"horizon H = {staged['horizon']} (newest event {staged['newest_event_time']} minus "
            f"lateness {staged['lateness']}); staged in {staged['staging']}"
        )
    report(_timing(staged))
    return staged


def publish(settings: Settings, staged: dict, report: Report = task_log) -> dict:
    """Rename the staged version into place; the published version and its horizon."""
    started = time.monotonic()
    published = publish_step(settings, staged)
    done = "published" if published.get("published") else "already serves (nothing new to publish)"
    report(
        f"batch version {published['version']} {done} with horizon H = {published['horizon']}: "
        f"windows ending at or before H are complete in batch_*; "
        f"{time.monotonic() - started:.1f} s"
    )
    return published


def refresh_serving(settings: Settings, published: dict, report: Report = task_log) -> dict:
    """Point the serving catalog at what is published now; what the views read
    (`architectures.serving_tasks.refresh`, which the serving_catalog DAG runs too)."""
    return refresh(settings, report)


def _offsets(offsets: dict) -> str:
    return ", ".join(f"p{p} {offset}" for p, offset in sorted(offsets.items())) or "-"


def _timing(result: dict) -> str:
    """The Spark job's own time and spark-submit's whole time (JVM start included)."""
    return (
        f"took {result.get('seconds', 0.0):.1f} s in Spark, "
        f"{result.get('submit_seconds', 0.0):.1f} s with spark-submit"
    )
