"""The serving columns of each view, with DuckDB types: the same wherever a view appears."""

from __future__ import annotations

from views.catalog import REVENUE, VIEW_COLUMNS

__all__ = ["FINAL", "PROCESSED_AT", "REJECTED_COLUMNS", "REVENUE", "VIEW_COLUMNS"]
"""REVENUE and VIEW_COLUMNS (each view's contract columns) are the views' own
(`views.catalog.View.columns`); outputs of a job add `processed_at` (processing time)."""

REJECTED_COLUMNS = (
    ("topic", "VARCHAR"),
    ("partition", "INTEGER"),
    ("offset", "BIGINT"),
    ("ingestion_time", "TIMESTAMPTZ"),
    ("value", "BLOB"),
    ("reason", "VARCHAR"),
)
"""A rejected record: where it came from, its raw bytes and why it was rejected."""

PROCESSED_AT = ("processed_at", "TIMESTAMPTZ")
FINAL = ("final", "BOOLEAN")
"""Whether a served row can still change: false while its window, hour or session is open
(the batch: until H passes its end; a stream: until its watermark does)."""
