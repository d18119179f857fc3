"""What an experiment records while it runs, and the files it keeps them in.

Every served row is known by its view, its **key** (the columns that name the row: a window
and an action, a user and a session start, a user and an hour) and its **value** (the other
contract columns), both as text made by `row_text`, so a served row and an oracle row compare
as strings. Times are wall-clock seconds since the epoch (float, UTC).

Files of one run (`DIR/run-<k>/`):
- `changes.parquet` (CHANGES_SCHEMA): one row each time a sampled view row appeared, changed
  or disappeared (value null) for an architecture; the first sample lists every row.
- `samples.parquet` (SAMPLES_SCHEMA): one row per sample and architecture: when it was taken,
  whether it could be read, and the lag of that architecture's streaming job (records).
- `truth_rows.parquet` (TRUTH_ROWS_SCHEMA): the oracle's final rows, each with the Kafka
  append time of the last event it counts (`last_append`): the moment from which a pipeline
  could serve it right.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa

from views.catalog import VIEW_KEYS

ARCHITECTURES = ("lambda", "kappa")
"""The serving prefixes an experiment samples: `lambda_<view>` and `kappa_<view>`."""

CHANGES_SCHEMA = pa.schema(
    [
        ("t", pa.float64()),
        ("architecture", pa.string()),
        ("view", pa.string()),
        ("key", pa.string()),
        ("value", pa.string()),
    ]
)
SAMPLES_SCHEMA = pa.schema(
    [
        ("t", pa.float64()),
        ("architecture", pa.string()),
        ("ok", pa.bool_()),
        ("lag", pa.int64()),
    ]
)
TRUTH_ROWS_SCHEMA = pa.schema(
    [
        ("view", pa.string()),
        ("key", pa.string()),
        ("value", pa.string()),
        ("last_append", pa.float64()),
    ]
)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):  # naive: UTC (DuckDB's TIMESTAMP); aware: in UTC
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def row_text(view: str, row: Mapping[str, object], columns: tuple[str, ...]) -> tuple[str, str]:
    """(key, value) of one row of `view` given as column -> Python value; `columns` are the
    view's contract columns in order. Timestamps are written in UTC (a naive one is taken as
    UTC), revenue with two decimals; both sides of a comparison use this."""
    keys = VIEW_KEYS[view]
    key = "|".join(_text(row[name]) for name in keys)
    value = "|".join(_text(row[name]) for name in columns if name not in keys)
    return key, value
