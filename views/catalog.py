"""Which views exist, in which logic version, with which parameters: the one list every path reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from views.definitions import action_counts, action_counts_sliding, user_sessions, user_totals

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


REVENUE = "DECIMAL(38,2)"
"""Every `revenue` column as served: DuckDB's widest decimal, as Spark's
`views.definitions.REVENUE_TYPE`. Amounts are below 10^10 (decimal(12,2)), so it holds any
revenue up to 10^36 - 0.01: at least 10^26 purchases of the largest legal amount in one row."""

Columns = tuple[tuple[str, str], ...]
"""(name, SQL type as DuckDB serves it) of each contract column of a view, in order."""

WINDOW_COUNTS: Columns = (
    ("window_start", "TIMESTAMPTZ"),
    ("window_end", "TIMESTAMPTZ"),
    ("action", "VARCHAR"),
    ("events", "BIGINT"),
    ("revenue", REVENUE),
)


@dataclass(frozen=True)
class View:
    """A named view at one logic version: its function and parameters, its contract columns
    (`columns`, DESIGN.md; a job's outputs add `processed_at`), the columns that identify a row
    (`key`; the others are its value), and when a row is complete (`complete_at`, a SQL
    expression over the output columns: a row is final once it is at or before the batch
    horizon H). Serving, the experiments and the tests read a view's shape from here."""

    name: str
    version: str
    function: Callable[..., DataFrame]
    params: dict[str, str] = field(default_factory=dict)
    columns: Columns = WINDOW_COUNTS
    key: tuple[str, ...] = ("window_start", "window_end", "action")
    complete_at: str = "window_end"
    partials: str = "sum"
    """How rows computed over parts of the events merge: "sum" (one row per key, measures
    added) or "sessions" (a user's overlapping sessions become one); serving_layer.partials."""

    def apply(self, events: DataFrame, *, deduplicated: bool = False) -> DataFrame:
        """The view's rows over `events`; `deduplicated`: each event_id is in them once
        already (else the view keeps one copy of each)."""
        return self.function(events, **self.params, deduplicated=deduplicated)


SESSION_ROWS = {
    "columns": (
        ("user_id", "VARCHAR"),
        ("session_start", "TIMESTAMPTZ"),
        ("session_end", "TIMESTAMPTZ"),
        ("events", "BIGINT"),
        ("views", "BIGINT"),
        ("clicks", "BIGINT"),
        ("purchases", "BIGINT"),
        ("revenue", REVENUE),
    ),
    "key": ("user_id", "session_start"),
    "complete_at": "session_end",
    "partials": "sessions",
}
"""A session is identified by its user and start, final once its end has passed, and merges
with the sessions it overlaps."""
HOURLY_ROWS = {
    "columns": (
        ("user_id", "VARCHAR"),
        ("hour_start", "TIMESTAMPTZ"),
        ("events", "BIGINT"),
        ("purchases", "BIGINT"),
        ("revenue", REVENUE),
    ),
    "key": ("user_id", "hour_start"),
    "complete_at": "hour_start + INTERVAL '1 hour'",
}
"""A user's hour is identified by the user and the hour, and final once the hour is over."""

SLIDING_PARAMS = {"window": "5 minutes", "slide": "1 minute"}

LOGIC_VERSIONS: dict[str, tuple[View, ...]] = {
    "v1": (
        View("action_counts", "v1", action_counts, {"window": "1 minute"}),
        View("action_counts_sliding", "v1", action_counts_sliding, SLIDING_PARAMS),
        View("user_sessions", "v1", user_sessions, {"gap": "5 minutes"}, **SESSION_ROWS),
        View("user_totals", "v1", user_totals, {"period": "1 hour"}, **HOURLY_ROWS),
    ),
}  # fmt: skip
"""v1 is the logic of DESIGN.md. v2 changes one view's logic (a longer session gap: a user
who pauses 5-10 minutes is one session, not two), to measure what a logic change costs."""
LOGIC_VERSIONS["v2"] = tuple(
    replace(v, version="v2", params={"gap": "10 minutes"}) if v.name == "user_sessions" else v
    for v in LOGIC_VERSIONS["v1"]
)

VIEW_NAMES = tuple(view.name for view in LOGIC_VERSIONS["v1"])
VIEW_COLUMNS: dict[str, Columns] = {view.name: view.columns for view in LOGIC_VERSIONS["v1"]}
"""Each view's contract columns: the same in every logic version (a test holds it)."""
VIEW_KEYS: dict[str, tuple[str, ...]] = {view.name: view.key for view in LOGIC_VERSIONS["v1"]}
"""Each view's key columns: the same in every logic version (a test holds it)."""


def views_at(version: str) -> tuple[View, ...]:
    """The views of one logic version; NotRetryable for a version that does not exist."""
    from core.errors import NotRetryable

    try:
        return LOGIC_VERSIONS[version]
    except KeyError:
        raise NotRetryable(
            f"unknown logic version {version!r}; choose one of: {', '.join(LOGIC_VERSIONS)}"
        ) from None
