"""The oracle's views in the catalog, one set per logic version it has computed.

`truth_<logic>_<view>` (e.g. `truth_v2_user_sessions`) reads `truth/<logic>/<view>.parquet`;
`truth_<view>` is the same view of the most recently computed logic version (by `computed_at` in
its `summary.json`). A row is one row of the view as the oracle computed it from the whole raw
log: the contract columns of DESIGN.md, no `processed_at`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.atomic import read_json
from core.layout import Layout
from serving_layer.columns import VIEW_COLUMNS
from serving_layer.sql import empty_select, files_in, parquet_source, typed_select

LOGIC_NAME = re.compile(r"[A-Za-z0-9]+")
"""Logic versions whose folders become view names (`v1`, `v2`); other folders are skipped."""


@dataclass(frozen=True)
class OracleRun:
    """One logic version the oracle has computed: its folder and when it finished."""

    logic_version: str
    folder: Path
    computed_at: datetime


def oracle_runs(layout: Layout) -> list[OracleRun]:
    """Every computed logic version (a `truth/<logic>/` folder with `summary.json`, which the
    oracle writes last), oldest first."""
    if not layout.truth.exists():
        return []
    runs = []
    for folder in layout.truth.iterdir():
        summary_file = folder / "summary.json"
        if not LOGIC_NAME.fullmatch(folder.name) or not summary_file.is_file():
            continue
        summary = read_json(summary_file) or {}
        runs.append(OracleRun(folder.name, folder, _computed_at(summary, summary_file)))
    return sorted(runs, key=lambda run: (run.computed_at, run.logic_version))


def truth_view_name(logic_version: str, view: str) -> str:
    """The serving name of one oracle view at one logic version."""
    return f"truth_{logic_version}_{view}"


def oracle_views(
    connection: duckdb.DuckDBPyConnection, runs: list[OracleRun], root: Path | None = None
) -> list[tuple[str, str]]:
    """(view name, SELECT) for every `truth_<logic>_<view>` and `truth_<view>` (empty before
    the oracle has run). `root`: the data directory the oracle's files are named relative to
    (serving_layer.sql.file_sql; None: absolute paths)."""
    selects = {run.logic_version: _selects(connection, run.folder, root) for run in runs}
    created = [
        (truth_view_name(logic, view), sql)
        for logic, per_view in selects.items()
        for view, sql in per_view.items()
    ]
    latest = runs[-1].logic_version if runs else None
    for view, columns in VIEW_COLUMNS.items():
        sql = f"SELECT * FROM {truth_view_name(latest, view)}" if latest else empty_select(columns)
        created.append((f"truth_{view}", sql))
    return created


def _selects(
    connection: duckdb.DuckDBPyConnection, folder: Path, root: Path | None
) -> dict[str, str]:
    selects = {}
    for view, columns in VIEW_COLUMNS.items():
        file = folder / f"{view}.parquet"
        selects[view] = (
            typed_select(connection, parquet_source(files_in(folder, file.name), root), columns)
            if file.is_file()
            else empty_select(columns)
        )
    return selects


def _computed_at(summary: dict, summary_file: Path) -> datetime:
    """The summary's `computed_at`; the file's modification time if it has none."""
    try:
        moment = datetime.fromisoformat(summary["computed_at"])
    except (KeyError, TypeError, ValueError):
        return datetime.fromtimestamp(summary_file.stat().st_mtime, UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
