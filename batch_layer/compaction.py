"""Compaction of the master dataset: the events of many small ingest runs merged into one folder
with one file per event hour, committed with one rename, never losing or repeating a record.

A compaction numbered m (`compacted=<m>/`) holds the events of every run up to m. It is built
from the previous compaction and the runs after it: the hours those runs wrote to are rewritten
(the previous compaction's rows of those hours, read through partition pruning, plus the runs'
rows), every other hour of the previous compaction is hard-linked (Parquet files are never
changed in place, so a link is a copy that costs nothing). The row count of what was written must
equal the row count of what was read, from the Parquet footers, or nothing is committed.

Safe if killed at any point: before the rename nothing is visible (the work lives in
`_compacting/`, cleared by the next compaction); after it, readers take the new folder and ignore
what it superseded (`master_dataset.event_folders`), which is removed only while no reader holds
the readers' lock (a batch job that listed the old folders keeps them until it is done), by this
compaction or, if a reader held them, by the next one.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from batch_layer.master_dataset import (
    EVENTS,
    PARTITION_COLUMNS,
    READERS_LOCK,
    committed_runs,
    compactions,
    event_folders,
    hour_folders,
    master_events,
    parquet_rows,
    reading,
)
from core.atomic import publish_dir, write_json
from core.errors import LkError
from core.layout import Layout
from core.locks import held_or_refused

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from core.settings import Settings

COMPACT_AFTER_RUNS = 24
"""An ingest run compacts the master dataset once this many runs with events are not yet in a
compaction (a day of the hourly schedule)."""
WORK = "_compacting"
"""In the ingest folder: a compaction's work before its rename, and what it retires."""
MANIFEST = "compaction.json"


def pending_runs(
    layout: Layout, runs: list[tuple[int, Path]] | None = None
) -> list[tuple[int, Path]]:
    """The committed runs (of `runs`, default all) with events that no compaction holds yet,
    oldest first."""
    done = compactions(layout)
    last = done[-1][0] if done else 0
    return [
        (number, folder)
        for number, folder in (committed_runs(layout) if runs is None else runs)
        if number > last and (folder / EVENTS).exists()
    ]


def compact(spark: SparkSession, settings: Settings, *, at_least: int = 1) -> dict:
    """Merge the runs not yet compacted (when there are `at_least` of them) into a new
    compaction and retire what it supersedes. Returns what it did: `compacted` (a new folder was
    committed), `through_run`, `runs_merged`, `records`, `files_before` / `files_after` (event
    files readers list), `hours_rewritten`, `hours_linked`, `retired` (folders removed),
    `seconds`. LkError if another compaction of this data directory is running."""
    layout = Layout(settings.data_dir)
    started = time.monotonic()
    busy = f"a compaction of {layout.ingest} is running already: wait for it"
    with held_or_refused(layout.ingest / ".compact.lock", busy):
        retired = retire_superseded(layout)
        committed = committed_runs(layout)  # one listing: a run committed now waits its turn
        runs = pending_runs(layout, committed)
        summary = {"compacted": False, "runs_merged": len(runs), "retired": retired}
        if not runs or len(runs) < at_least:
            return {**summary, "runs_merged": 0, "seconds": round(time.monotonic() - started, 3)}
        through = committed[-1][0]  # runs without events up to it are held too: nothing to hold
        with reading(layout):
            files_before = _files(event_folders(layout, through))
            result = _build(spark, settings, layout, runs, through)
        summary.update(result, compacted=True, through_run=through, files_before=files_before)
        summary["retired"] = retired + retire_superseded(layout)
    return {**summary, "seconds": round(time.monotonic() - started, 3)}


def _build(
    spark: SparkSession,
    settings: Settings,
    layout: Layout,
    runs: list[tuple[int, Path]],
    through: int,
) -> dict:
    """Write and commit `compacted=<through>` from the previous compaction and `runs`."""
    previous = compactions(layout)
    base = previous[-1][1] / EVENTS if previous else None
    work = layout.ingest / WORK
    shutil.rmtree(work, ignore_errors=True)  # a killed compaction's half-written work
    staged = work / f"{uuid.uuid4().hex[:12]}"
    new_events = [folder / EVENTS for _, folder in runs]
    touched = set().union(*(hour_folders(events) for events in new_events))
    kept = (hour_folders(base) - touched) if base else set()

    expected = sum(parquet_rows(events) for events in new_events)
    expected += parquet_rows(base) if base else 0
    _rewrite(spark, settings, new_events, base, touched, staged / EVENTS)
    for hour in sorted(kept):  # untouched hours: the same immutable files, linked
        (staged / EVENTS / hour).mkdir(parents=True)
        for file in (base / hour).glob("*.parquet"):
            os.link(file, staged / EVENTS / hour / file.name)
    written = parquet_rows(staged / EVENTS)
    if written != expected:
        raise LkError(
            f"compaction wrote {written} events but read {expected}: nothing was committed "
            f"(the master dataset is unchanged; its work is in {work})"
        )
    result = {
        "runs": [number for number, _ in runs],
        "records": written,
        "hours_rewritten": len(touched),
        "hours_linked": len(kept),
        "files_after": _files([staged / EVENTS]),
        "committed_at": datetime.now(UTC).isoformat(),
    }
    write_json(staged / MANIFEST, {**result, "through_run": through})
    publish_dir(staged, layout.ingest / f"compacted={through:06d}")  # the commit
    return {key: value for key, value in result.items() if key not in ("runs", "committed_at")}


def _rewrite(
    spark: SparkSession,
    settings: Settings,
    new_events: list[Path],
    base: Path | None,
    touched: set[str],
    target: Path,
) -> None:
    """Write the rows of the `touched` hours (the runs' rows and the base's rows of those
    hours) to `target`, one file per hour, sorted by event time within it."""
    from functools import reduce

    from pyspark.sql import functions as F

    events = master_events(spark, settings, new_events, stored=True)
    if base is not None and touched and (base_hours := hour_folders(base) & touched):
        hours = [_hour_values(hour) for hour in sorted(base_hours)]
        wanted = reduce(
            lambda either, hour: (
                either
                | ((F.col("event_date") == F.lit(hour[0])) & (F.col("event_hour") == hour[1]))
            ),
            hours,
            F.lit(False),
        )  # on the folder columns only: Spark reads just these hours of the base
        old = master_events(spark, settings, [base], stored=True).where(wanted)
        events = events.unionByName(old)
    # (event columns, partition, offset, ingestion_time, event_date, event_hour)
    (
        events.repartition(*PARTITION_COLUMNS)
        .sortWithinPartitions(*PARTITION_COLUMNS, "event_time")
        .write.partitionBy(*PARTITION_COLUMNS)
        .parquet(str(target))
    )


def _hour_values(hour: str):
    """`event_date=2026-01-01/event_hour=7` -> (date(2026, 1, 1), 7)."""
    from datetime import date

    day, hour_number = (part.split("=", 1)[1] for part in hour.split("/"))
    return date.fromisoformat(day), int(hour_number)


def retire_superseded(layout: Layout) -> int:
    """Remove the folders a newer compaction holds (older compactions, runs' events), unless a
    reader holds the readers' lock (then the next compaction does); how many were removed."""
    done = compactions(layout)
    if not done:
        return 0
    newest = done[-1][0]
    doomed = [folder for _, folder in done[:-1]]
    doomed += [
        folder / EVENTS
        for number, folder in committed_runs(layout)
        if number <= newest and (folder / EVENTS).exists()
    ]
    if not doomed:
        return 0
    try:
        with held_or_refused(layout.ingest / READERS_LOCK, "a reader holds the master dataset"):
            retired = layout.ingest / WORK / "retired"
            retired.mkdir(parents=True, exist_ok=True)
            for folder in doomed:  # renamed first: no reader meets a half-deleted folder
                os.rename(
                    folder, retired / f"{folder.parent.name}-{folder.name}-{uuid.uuid4().hex[:6]}"
                )
    except LkError:
        return 0
    shutil.rmtree(retired, ignore_errors=True)
    return len(doomed)


def _files(folders: list[Path]) -> int:
    return sum(1 for folder in folders for _ in folder.rglob("*.parquet"))
