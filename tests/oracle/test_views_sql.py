"""The oracle's DuckDB SQL: golden rows on tiny literal events, at the edges where views go wrong.
(The same rows as Spark's views: test_vs_spark.py.)"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from core.errors import NotRetryable
from oracle.params import VIEW_NAMES
from oracle.tables import EVENTS_SCHEMA
from oracle.views_sql import oracle_sql, oracle_views, view_sql


def utc(*parts: int) -> datetime:
    """A naive UTC datetime, as the oracle's events and outputs hold time."""
    return datetime(*parts, tzinfo=UTC).replace(tzinfo=None)


T0 = utc(2026, 1, 1)

CONTRACT_TYPES = {
    "action_counts": [
        ("window_start", "TIMESTAMP"),
        ("window_end", "TIMESTAMP"),
        ("action", "VARCHAR"),
        ("events", "BIGINT"),
        ("revenue", "DECIMAL(38,2)"),
    ],
    "user_sessions": [
        ("user_id", "VARCHAR"),
        ("session_start", "TIMESTAMP"),
        ("session_end", "TIMESTAMP"),
        ("events", "BIGINT"),
        ("views", "BIGINT"),
        ("clicks", "BIGINT"),
        ("purchases", "BIGINT"),
        ("revenue", "DECIMAL(38,2)"),
    ],
    "user_totals": [
        ("user_id", "VARCHAR"),
        ("hour_start", "TIMESTAMP"),
        ("events", "BIGINT"),
        ("purchases", "BIGINT"),
        ("revenue", "DECIMAL(38,2)"),
    ],
}
CONTRACT_TYPES["action_counts_sliding"] = CONTRACT_TYPES["action_counts"]


def at(minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def connection_with(*rows) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection whose `events` holds rows of (event_id, user_id, action, amount, time),
    each at its own offset of partition 0 unless a row adds (partition, offset), all appended
    at T0 unless a row adds an append time too (partition, offset, appended)."""
    columns = {name: [] for name in EVENTS_SCHEMA.names}
    for index, row in enumerate(rows):
        event_id, user, action, amount, when, *where = row
        partition, offset, appended = (*where, T0)[:3] if where else (0, index, T0)
        for name, value in zip(
            EVENTS_SCHEMA.names,
            (event_id, user, action, "p1", Decimal(str(amount)), when, partition, offset, appended),
            strict=True,
        ):
            columns[name].append(value)
    connection = duckdb.connect()
    connection.register("events", pa.Table.from_pydict(columns, schema=EVENTS_SCHEMA))
    return connection


def view_rows(connection, name: str, version: str = "v1") -> list[tuple]:
    return sorted(oracle_views(connection, version)[name].fetchall())


def test_action_counts_tumbling_edges_duplicates_and_revenue():
    connection = connection_with(
        ("a", "u1", "view", 0, at(0, 59.999)),
        ("b", "u1", "view", 0, at(1)),  # exactly on the edge: the next window
        ("c", "u2", "purchase", 10.5, at(1, 30)),
        ("c", "u2", "purchase", 10.5, at(1, 30)),  # a duplicate: counted once
        ("d", "u3", "purchase", 2.25, at(1, 59)),
        ("e", "u3", "view", 0, at(0, 1)),  # arrives last but belongs to the first window
    )
    assert view_rows(connection, "action_counts") == [
        (at(0), at(1), "view", 2, Decimal("0.00")),
        (at(1), at(2), "purchase", 2, Decimal("12.75")),
        (at(1), at(2), "view", 1, Decimal("0.00")),
    ]


def test_sliding_windows_overlap_and_a_start_on_the_event_is_included():
    connection = connection_with(
        ("a", "u1", "click", 0, at(3, 30)),
        ("b", "u1", "view", 0, at(3)),  # exactly on a slide: the window starting at 00:03 holds it
    )
    result = view_rows(connection, "action_counts_sliding")
    # A 5-minute window every minute: each event is in the five windows starting 23:59 .. 00:03.
    assert [r for r in result if r[2] == "click"] == [
        (at(start), at(start + 5), "click", 1, Decimal("0.00")) for start in range(-1, 4)
    ]
    assert [r for r in result if r[2] == "view"] == [
        (at(start), at(start + 5), "view", 1, Decimal("0.00")) for start in range(-1, 4)
    ]


def test_windows_are_aligned_to_the_epoch_before_1970_too():
    connection = connection_with(("a", "u1", "view", 0, utc(1970, 1, 1, 0, 0, 30)))
    starts = [row[0] for row in view_rows(connection, "action_counts_sliding")]
    assert starts == [utc(1970, 1, 1) + timedelta(minutes=m) for m in range(-4, 1)]


def test_a_duplicate_counts_once_keeping_the_copy_appended_first():
    # Copies of one event_id that disagree (never from our producer, but the rule must be
    # deterministic): the copy the log appended first counts, by (append time, partition,
    # offset); appended in the same millisecond, the lowest (partition, offset).
    connection = connection_with(
        ("a", "u1", "click", 0, at(0), 1, 5),
        ("a", "u1", "purchase", 9, at(0), 0, 7),
        ("a", "u1", "view", 0, at(0), 0, 8),
    )
    assert view_rows(connection, "action_counts") == [
        (at(0), at(1), "purchase", 1, Decimal("9.00"))
    ]
    assert view_rows(connection, "user_totals") == [("u1", at(0), 1, 1, Decimal("9.00"))]
    earlier_on_partition_1 = connection_with(
        ("a", "u1", "click", 0, at(0), 1, 5, T0),
        ("a", "u1", "purchase", 9, at(0), 0, 7, T0 + timedelta(milliseconds=1)),
    )
    assert view_rows(earlier_on_partition_1, "action_counts") == [
        (at(0), at(1), "click", 1, Decimal("0.00"))
    ]


def test_revenue_comes_only_from_purchases():
    # Validation rejects amounts on other actions; the views must not count them regardless.
    connection = connection_with(
        ("a", "u1", "view", 5, at(0)),
        ("b", "u1", "click", 3, at(0, 10)),
        ("c", "u1", "purchase", 1.5, at(0, 20)),
    )
    assert view_rows(connection, "action_counts") == [
        (at(0), at(1), "click", 1, Decimal("0.00")),
        (at(0), at(1), "purchase", 1, Decimal("1.50")),
        (at(0), at(1), "view", 1, Decimal("0.00")),
    ]
    assert view_rows(connection, "user_sessions") == [
        ("u1", at(0), at(5, 20), 3, 1, 1, 1, Decimal("1.50"))
    ]
    assert view_rows(connection, "user_totals") == [("u1", at(0), 3, 1, Decimal("1.50"))]


def test_sessions_split_after_the_gap_and_count_each_action():
    connection = connection_with(
        ("a", "u1", "view", 0, at(0)),
        ("b", "u1", "click", 0, at(4, 59.999)),
        ("c", "u1", "purchase", 7, at(9, 59.999)),  # exactly the gap after b: same session
        ("c", "u1", "purchase", 7, at(9, 59.999)),  # a duplicate: counted once
        ("d", "u1", "view", 0, at(15)),  # the gap and 1 ms after c: a new session
        ("e", "u2", "view", 0, at(1)),
    )
    assert view_rows(connection, "user_sessions") == [
        ("u1", at(0), at(14, 59.999), 3, 1, 1, 1, Decimal("7.00")),
        ("u1", at(15), at(20), 1, 1, 0, 0, Decimal("0.00")),
        ("u2", at(1), at(6), 1, 1, 0, 0, Decimal("0.00")),
    ]


def test_sessions_order_by_event_time_not_arrival_and_ties_stay_together():
    connection = connection_with(
        ("c", "u1", "view", 0, at(8)),  # arrives first, happens last
        ("a", "u1", "view", 0, at(0)),
        ("b1", "u1", "click", 0, at(4)),
        ("b2", "u1", "view", 0, at(4)),  # the same instant as b1
    )
    assert view_rows(connection, "user_sessions") == [
        ("u1", at(0), at(13), 4, 3, 1, 0, Decimal("0.00"))
    ]


def test_a_longer_gap_is_the_v2_logic():
    connection = connection_with(
        ("a", "u1", "view", 0, at(0)),
        ("b", "u1", "view", 0, at(7)),
        ("c", "u1", "view", 0, at(17)),  # exactly 10 minutes after b: still one v2 session
        ("d", "u1", "view", 0, at(27, 0.001)),  # 10 minutes and 1 ms: a new v2 session
    )
    assert [r[1:3] for r in view_rows(connection, "user_sessions", "v1")] == [
        (at(0), at(5)),
        (at(7), at(12)),
        (at(17), at(22)),
        (at(27, 0.001), at(32, 0.001)),
    ]
    assert [r[1:4] for r in view_rows(connection, "user_sessions", "v2")] == [
        (at(0), at(27), 3),
        (at(27, 0.001), at(37, 0.001), 1),
    ]


def test_user_totals_per_hour():
    connection = connection_with(
        ("a", "u1", "purchase", 3, at(59, 59.999)),
        ("b", "u1", "purchase", 4, at(60)),  # exactly on the hour: the next one
        ("c", "u1", "view", 0, at(61)),
        ("c", "u1", "view", 0, at(61)),
        ("d", "u2", "view", 0, at(30)),
    )
    assert view_rows(connection, "user_totals") == [
        ("u1", at(0), 1, 1, Decimal("3.00")),
        ("u1", at(60), 2, 1, Decimal("4.00")),
        ("u2", at(0), 1, 0, Decimal("0.00")),
    ]


def test_microseconds_survive():
    moment = utc(2026, 1, 1, 0, 0, 59, 999_999)
    connection = connection_with(("a", "u1", "view", 0, moment))
    assert view_rows(connection, "user_sessions")[0][1] == moment
    assert view_rows(connection, "action_counts")[0][0] == at(0)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_every_view_has_the_contract_columns_and_types_even_when_empty(version):
    for connection in (connection_with(("a", "u1", "purchase", 1, at(0))), connection_with()):
        relations = oracle_views(connection, version)
        assert tuple(relations) == VIEW_NAMES
        for name, relation in relations.items():
            assert (
                list(zip(relation.columns, map(str, relation.types), strict=True))
                == (CONTRACT_TYPES[name])
            )


def test_view_sql_reads_another_relation_by_name():
    connection = connection_with(("a", "u1", "view", 0, at(0)))
    connection.execute('CREATE VIEW "other events" AS SELECT * FROM events')
    sql = view_sql("user_totals", {"period": "1 hour"}, source="other events")
    assert connection.sql(sql).fetchall() == [("u1", at(0), 1, 0, Decimal("0.00"))]


def test_an_unknown_logic_version_is_one_readable_line():
    with pytest.raises(NotRetryable, match="unknown logic version 'v9'; choose one of: v1, v2"):
        oracle_sql("v9")
