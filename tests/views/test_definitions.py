"""Golden tests: each view on tiny literal events, at the edges where views go wrong."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from views.catalog import VIEW_COLUMNS, VIEW_KEYS, VIEW_NAMES, views_at
from views.definitions import action_counts, action_counts_sliding, user_sessions, user_totals
from views.events import spark_event_schema

pytestmark = pytest.mark.slow

T0 = datetime(2026, 1, 1, tzinfo=UTC)


CONTRACT_COLUMNS = {
    "action_counts": ["window_start", "window_end", "action", "events", "revenue"],
    "action_counts_sliding": ["window_start", "window_end", "action", "events", "revenue"],
    "user_sessions": [
        "user_id",
        "session_start",
        "session_end",
        "events",
        "views",
        "clicks",
        "purchases",
        "revenue",
    ],
    "user_totals": ["user_id", "hour_start", "events", "purchases", "revenue"],
}
"""The columns of each view, as DESIGN.md fixes them."""


def at(minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def events(spark, *rows):
    """Rows of (event_id, user_id, action, amount, event_time) as accepted events."""
    full = [
        (eid, user, action, "p1", Decimal(str(amount)), when)
        for eid, user, action, amount, when in rows
    ]
    return spark.createDataFrame(full, spark_event_schema())


def rows(frame, *columns):
    return sorted(tuple(row[c] for c in columns) for row in frame.collect())


def naive(moment: datetime) -> datetime:
    """Spark returns timestamps as naive datetimes in the session time zone (UTC here)."""
    return moment.replace(tzinfo=None)


def test_action_counts_tumbling_edges_duplicates_and_revenue(spark):
    frame = events(
        spark,
        ("a", "u1", "view", 0, at(0, 59.999)),
        ("b", "u1", "view", 0, at(1)),  # exactly on the edge: the next window
        ("c", "u2", "purchase", 10.5, at(1, 30)),
        ("c", "u2", "purchase", 10.5, at(1, 30)),  # a duplicate: counted once
        ("d", "u3", "purchase", 2.25, at(1, 59)),
        ("e", "u3", "view", 0, at(0, 1)),  # arrives last but belongs to the first window
    )
    result = rows(action_counts(frame), "window_start", "window_end", "action", "events", "revenue")
    assert result == [
        (naive(at(0)), naive(at(1)), "view", 2, Decimal("0.00")),
        (naive(at(1)), naive(at(2)), "purchase", 2, Decimal("12.75")),
        (naive(at(1)), naive(at(2)), "view", 1, Decimal("0.00")),
    ]


def test_sliding_windows_overlap(spark):
    frame = events(spark, ("a", "u1", "click", 0, at(3, 30)))
    result = rows(action_counts_sliding(frame), "window_start", "window_end", "events")
    # A 5-minute window every minute: the event is in the five windows starting 23:59 .. 00:03.
    assert result == [(naive(at(start)), naive(at(start + 5)), 1) for start in range(-1, 4)]


def test_sessions_split_after_the_gap_and_count_each_action(spark):
    # Spark's session windows are closed at the gap: an event exactly `gap` after the previous
    # one continues the session; one millisecond more starts a new one. The oracle must agree.
    frame = events(
        spark,
        ("a", "u1", "view", 0, at(0)),
        ("b", "u1", "click", 0, at(4, 59.999)),
        ("c", "u1", "purchase", 7, at(9, 59.999)),  # exactly the gap after b: same session
        ("c", "u1", "purchase", 7, at(9, 59.999)),  # a duplicate: counted once
        ("d", "u1", "view", 0, at(15)),  # the gap and 1 ms after c: a new session
        ("e", "u2", "view", 0, at(1)),
    )
    result = rows(user_sessions(frame), *CONTRACT_COLUMNS["user_sessions"])
    assert result == [
        ("u1", naive(at(0)), naive(at(14, 59.999)), 3, 1, 1, 1, Decimal("7.00")),
        ("u1", naive(at(15)), naive(at(20)), 1, 1, 0, 0, Decimal("0.00")),
        ("u2", naive(at(1)), naive(at(6)), 1, 1, 0, 0, Decimal("0.00")),
    ]


def test_a_longer_gap_is_the_v2_logic(spark):
    frame = events(spark, ("a", "u1", "view", 0, at(0)), ("b", "u1", "view", 0, at(7)))
    v1, v2 = ({v.name: v for v in views_at(version)}["user_sessions"] for version in ("v1", "v2"))
    assert v1.apply(frame).count() == 2
    assert v2.apply(frame).count() == 1


def test_user_totals_per_hour(spark):
    frame = events(
        spark,
        ("a", "u1", "purchase", 3, at(59, 59.999)),
        ("b", "u1", "purchase", 4, at(60)),
        ("c", "u1", "view", 0, at(61)),
        ("c", "u1", "view", 0, at(61)),
    )
    result = rows(user_totals(frame), "user_id", "hour_start", "events", "purchases", "revenue")
    assert result == [
        ("u1", naive(at(0)), 1, 1, Decimal("3.00")),
        ("u1", naive(at(60)), 2, 1, Decimal("4.00")),
    ]


def test_every_version_has_every_view_with_the_contract_columns(spark):
    frame = events(spark, ("a", "u1", "purchase", 1, at(0)))
    for version in ("v1", "v2"):
        views = views_at(version)
        assert tuple(v.name for v in views) == VIEW_NAMES
        for view in views:
            assert view.apply(frame).columns == CONTRACT_COLUMNS[view.name]
            # The shape the view carries (what serving and the experiments read) is the
            # contract's, and the same in every version.
            assert [name for name, _ in view.columns] == CONTRACT_COLUMNS[view.name]
            assert view.columns == VIEW_COLUMNS[view.name] and view.key == VIEW_KEYS[view.name]
            assert set(view.key) <= set(CONTRACT_COLUMNS[view.name])
            assert view.complete_at.split()[0] in CONTRACT_COLUMNS[view.name]


def test_a_batch_keeps_each_events_first_copy_in_the_log(spark):
    from pyspark.sql.types import IntegerType, LongType, StructField, TimestampType

    schema = spark_event_schema()
    schema = (
        schema.add(StructField("ingestion_time", TimestampType()))
        .add(StructField("partition", IntegerType()))
        .add(StructField("offset", LongType()))
    )
    rows = [  # the late copy comes first in the data, but last in the log
        ("dup", "u1", "view", None, Decimal("0"), at(minutes=28), at(minutes=29), 0, 3),
        ("dup", "u1", "view", None, Decimal("0"), at(minutes=0), at(minutes=1), 0, 0),
        # appended first, on a higher partition: the copy appended first counts
        ("two", "u2", "click", None, Decimal("0"), at(minutes=5), at(minutes=6), 1, 9),
        ("two", "u2", "click", None, Decimal("0"), at(minutes=7), at(minutes=8), 0, 1),
    ]
    counted = action_counts(spark.createDataFrame(rows, schema).coalesce(1)).collect()
    naive_start = at(minutes=0).replace(tzinfo=None)  # Spark returns naive UTC
    clicks = [(row.window_start, row.events) for row in counted if row.action == "click"]
    assert clicks == [(at(minutes=5).replace(tzinfo=None), 1)]
    counted = [row for row in counted if row.action == "view"]
    assert [(row.window_start, row.events) for row in counted] == [(naive_start, 1)]
