"""The four views of DESIGN.md as pure DataFrame -> DataFrame functions: no I/O, batch or stream.

Each takes accepted events (the typed schema of `views.events.spark_event_schema`), counts every
event_id once (`distinct_events`; a caller that has already deduplicated says so with
`deduplicated=True`, so a job computing four views deduplicates once), and works in event
time. Window sizes and the session gap are parameters, so experiments can compress time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

REVENUE_TYPE = "decimal(38,2)"
"""The type of every `revenue` column, and of the sum that computes it: Spark's widest decimal.

An amount is below 10^10 with two decimals (decimal(12,2), `views.events.MAX_AMOUNT`), so a
revenue holds any sum up to 10^36 - 0.01: at least 10^26 purchases of the largest legal amount
in one window, session or hour. Amounts are widened to this type before they are summed, so
neither the sum nor the cast can overflow below that bound (a decimal(14,2) revenue failed on
101 purchases of 9,999,999,999.99: case 08). Spark, the serving columns
(`serving_layer.columns.REVENUE`) and the oracle (`oracle.views_sql`) agree on it.
"""


LOG_POSITION = ("ingestion_time", "partition", "offset")
"""Where a record sits in the log, in the order the log appended it (Kafka's append time, then
partition and offset); a batch of events that carries it keeps each id's first copy."""


def distinct_events(events: DataFrame) -> DataFrame:
    """Each event_id once. A batch keeps the copy the log appended first (LOG_POSITION: append
    time, then partition and offset) when the events carry it, as the oracle and the streams
    do (`streaming.append_order`), so a duplicate re-sent later with another event time never
    moves the event. A stream remembers an id only within its dedup horizon (state is not
    free): a copy re-sent after that counts again."""
    if not set(LOG_POSITION) <= set(events.columns):
        return events.dropDuplicates(["event_id"])
    from pyspark.sql import Window

    first = Window.partitionBy("event_id").orderBy(*LOG_POSITION)
    return (
        events.withColumn("_copy", F.row_number().over(first))
        .where(F.col("_copy") == 1)
        .drop("_copy", *LOG_POSITION)
    )


def _revenue(events_column: str = "amount") -> F.Column:
    """Column `revenue`: the sum of purchase amounts (0 when none) as REVENUE_TYPE, exact."""
    purchase_amount = F.when(F.col("action") == "purchase", F.col(events_column).cast(REVENUE_TYPE))
    zero = F.lit(0).cast(REVENUE_TYPE)
    return F.coalesce(F.sum(purchase_amount), zero).cast(REVENUE_TYPE).alias("revenue")


def _count_of(action: str) -> F.Column:
    """How many events of one action: column `views`, `clicks` or `purchases`."""
    return F.count(F.when(F.col("action") == action, 1)).alias(f"{action}s")


def _once(events: DataFrame, deduplicated: bool) -> DataFrame:
    """The events with each event_id once: as given when the caller has already deduplicated
    them (`deduplicated`), else through `distinct_events`."""
    return events if deduplicated else distinct_events(events)


def action_counts(
    events: DataFrame, *, window: str = "1 minute", deduplicated: bool = False
) -> DataFrame:
    """One row per tumbling event-time window and action: how many events, and purchase revenue."""
    return _counts_per_window(_once(events, deduplicated), window, window)


def action_counts_sliding(
    events: DataFrame,
    *,
    window: str = "5 minutes",
    slide: str = "1 minute",
    deduplicated: bool = False,
) -> DataFrame:
    """One row per sliding event-time window (every `slide`) and action: events and revenue."""
    return _counts_per_window(_once(events, deduplicated), window, slide)


def _counts_per_window(events: DataFrame, window: str, slide: str) -> DataFrame:
    counted = events.groupBy(F.window("event_time", window, slide).alias("window"), "action").agg(
        F.count("*").alias("events"), _revenue()
    )
    # (window_start, window_end, action, events, revenue)
    return counted.select(
        F.col("window.start").alias("window_start"),
        F.col("window.end").alias("window_end"),
        "action",
        "events",
        "revenue",
    )


def user_sessions(
    events: DataFrame, *, gap: str = "5 minutes", deduplicated: bool = False
) -> DataFrame:
    """One row per user session (events at most `gap` apart): its span, counts and revenue.

    `session_end` is the last event's time plus the gap, as Spark's session windows define it.
    """
    sessions = (
        _once(events, deduplicated)
        .groupBy("user_id", F.session_window("event_time", gap).alias("session"))
        .agg(
            F.count("*").alias("events"),
            *(_count_of(action) for action in ("view", "click", "purchase")),
            _revenue(),
        )
    )
    # (user_id, session_start, session_end, events, views, clicks, purchases, revenue)
    return sessions.select(
        "user_id",
        F.col("session.start").alias("session_start"),
        F.col("session.end").alias("session_end"),
        "events",
        "views",
        "clicks",
        "purchases",
        "revenue",
    )


def user_totals(
    events: DataFrame, *, period: str = "1 hour", deduplicated: bool = False
) -> DataFrame:
    """One row per user and event-time hour: events, purchases and revenue in that hour."""
    totals = (
        _once(events, deduplicated)
        .groupBy("user_id", F.window("event_time", period).alias("hour"))
        .agg(
            F.count("*").alias("events"),
            _count_of("purchase"),
            _revenue(),
        )
    )
    # (user_id, hour_start, events, purchases, revenue)
    return totals.select(
        "user_id", F.col("hour.start").alias("hour_start"), "events", "purchases", "revenue"
    )
