"""The serving columns of each view, with DuckDB types: the same wherever a view appears."""

from __future__ import annotations

REVENUE = "DECIMAL(38,2)"
"""Every `revenue` column: DuckDB's widest decimal, as Spark's `views.definitions.REVENUE_TYPE`.
Amounts are below 10^10 (decimal(12,2)), so it holds any revenue up to 10^36 - 0.01: at least
10^26 purchases of the largest legal amount in one row."""

WINDOW_COUNTS = (
    ("window_start", "TIMESTAMPTZ"),
    ("window_end", "TIMESTAMPTZ"),
    ("action", "VARCHAR"),
    ("events", "BIGINT"),
    ("revenue", REVENUE),
)

VIEW_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "action_counts": WINDOW_COUNTS,
    "action_counts_sliding": WINDOW_COUNTS,
    "user_sessions": (
        ("user_id", "VARCHAR"),
        ("session_start", "TIMESTAMPTZ"),
        ("session_end", "TIMESTAMPTZ"),
        ("events", "BIGINT"),
        ("views", "BIGINT"),
        ("clicks", "BIGINT"),
        ("purchases", "BIGINT"),
        ("revenue", REVENUE),
    ),
    "user_totals": (
        ("user_id", "VARCHAR"),
        ("hour_start", "TIMESTAMPTZ"),
        ("events", "BIGINT"),
        ("purchases", "BIGINT"),
        ("revenue", REVENUE),
    ),
}
"""The contract columns of DESIGN.md. Outputs of a job add `processed_at` (processing time)."""

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
