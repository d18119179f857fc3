"""`speed_<view>` and `kappa_<view>`: a streaming job's partial rows merged into the view's rows.

Each micro-batch of a job writes its *partial* rows (`streaming.micro_batch`): the view over
that micro-batch's events alone. Partial rows merge exactly:

- a window x action or a user's hour: one row per key, its counts and revenue summed;
- sessions: a user's fragments that overlap or touch (one starts at or before another ends,
  as Spark's session windows merge) form one session, from the first start to the last end,
  counts and revenue summed. Two events are in one session iff a chain of events at most the
  gap apart joins them; a fragment spans its events plus the gap, so two fragments overlap or
  touch exactly when some of their events are chained.

A merged row is `final` once the job's event-time watermark (its `progress/latest.json`, read
at query time) has passed the row's end: the job drops every later event that would fall in it.
Rows still open are served too, with `final` false.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.layout import StreamPaths
from serving_layer.columns import FINAL, PROCESSED_AT
from serving_layer.sql import (
    empty_select,
    file_sql,
    files_in,
    has_files,
    parquet_source,
    typed_select,
)
from views.catalog import View


def stream_view_sql(
    connection: duckdb.DuckDBPyConnection,
    paths: StreamPaths | None,
    view: View,
    root: Path | None = None,
) -> str:
    """SQL whose rows are the view's rows as the job has them now: contract columns, `final`
    and `processed_at` (the newest micro-batch that changed the row). `root`: the data
    directory the job's files are named relative to (serving_layer.sql.file_sql; None:
    absolute paths)."""
    columns = view.columns
    pattern = files_in(paths.view_files(view.name)) if paths else None
    if pattern is None or not has_files(pattern):
        return empty_select((*columns, FINAL, PROCESSED_AT))
    source = parquet_source(pattern, root)
    fragments = typed_select(connection, source, (*columns, PROCESSED_AT))
    watermark = _watermark_sql(paths, root)
    if view.partials == "sessions":
        return _sessions_sql(view, fragments, watermark)
    return _summed_sql(view, fragments, watermark)


def _watermark_sql(paths: StreamPaths, root: Path | None) -> str:
    """A scalar subquery: the job's watermark now (NULL before it has one)."""
    latest = paths.progress / "latest.json"
    if not latest.exists():
        return "CAST(NULL AS TIMESTAMPTZ)"
    file = file_sql(files_in(latest.parent, latest.name), root)
    source = f"read_json({file}, columns = {{'watermark': 'TIMESTAMPTZ'}})"
    return f"(SELECT watermark FROM {source})"


def _measures(view: View, columns: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """The columns that add up: all but the key and the time columns."""
    return [(n, kind) for n, kind in columns if n not in view.key and kind != "TIMESTAMPTZ"]


def _final(view: View, watermark: str) -> str:
    """The `final` column over a merged row's columns."""
    return f"coalesce({view.complete_at} <= {watermark}, false) AS final"


def _summed_sql(view: View, fragments: str, watermark: str) -> str:
    key = ", ".join(view.key)
    sums = ", ".join(
        f"CAST(sum({name}) AS {kind}) AS {name}" for name, kind in _measures(view, view.columns)
    )
    names = ", ".join(name for name, _ in view.columns)
    return f"""
SELECT {names}, {_final(view, watermark)}, processed_at FROM (
    SELECT {key}, {sums}, max(processed_at) AS processed_at
    FROM ({fragments}) GROUP BY {key}
)"""  # noqa: S608 (names come from the catalog)


def island_ctes(source: str, tie_break: str = "") -> str:
    """Two CTEs over the CTE `source` (rows with user_id, session_start, session_end):
    `reached`, and `numbered`, which adds `island`: per user, the number of the run of
    overlapping or touching sessions the row belongs to. Sorted by start, a session opens a
    new island when it starts after the latest end so far (an event exactly `gap` after the
    previous one continues a session). `tie_break`: more ORDER BY columns."""
    per_user = f"PARTITION BY user_id ORDER BY session_start, session_end{tie_break}"
    return f"""
reached AS (
    SELECT *, max(session_end) OVER (
        {per_user} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM {source}
),
numbered AS (
    SELECT *, sum(CASE WHEN reach IS NULL OR session_start > reach THEN 1 ELSE 0 END)
        OVER ({per_user} ROWS UNBOUNDED PRECEDING) AS island
    FROM reached
)"""


def _sessions_sql(view: View, fragments: str, watermark: str) -> str:
    sums = ", ".join(
        f"CAST(sum({name}) AS {kind}) AS {name}" for name, kind in _measures(view, view.columns)
    )
    names = ", ".join(name for name, _ in view.columns)
    return f"""
WITH fragments AS ({fragments}), {island_ctes("fragments")}
SELECT {names}, {_final(view, watermark)}, processed_at FROM (
    SELECT user_id, min(session_start) AS session_start, max(session_end) AS session_end,
        {sums}, max(processed_at) AS processed_at
    FROM numbered GROUP BY user_id, island
)"""  # noqa: S608 (names come from the catalog)
