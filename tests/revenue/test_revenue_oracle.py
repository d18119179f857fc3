"""Revenue in DuckDB (the oracle's SQL and the serving columns): case 08 sums exactly, and a
sum at the type's maximum (10^36 - 0.01) neither fails nor loses a cent."""

from decimal import Decimal

import duckdb
import pyarrow as pa

from oracle.tables import EVENTS_SCHEMA
from oracle.views_sql import REVENUE_TYPE, oracle_views
from serving_layer.columns import REVENUE, VIEW_COLUMNS
from tests.revenue.cases import (
    CASE_08_REVENUE,
    NEAR_MAX_AMOUNTS,
    REVENUE_MAX,
    case_08_events,
)


def events_relation(events: list[dict], amount_type: pa.DataType | None = None):
    """A DuckDB connection whose `events` (the oracle's relation) holds these events."""
    schema = EVENTS_SCHEMA
    if amount_type is not None:
        schema = schema.set(schema.get_field_index("amount"), pa.field("amount", amount_type))
    columns = {name: [] for name in schema.names}
    for offset, event in enumerate(events):
        row = {**event, "kafka_partition": 0, "kafka_offset": offset, "kafka_timestamp": None}
        row["event_time"] = event["event_time"].replace(tzinfo=None)
        for name in schema.names:
            columns[name].append(row[name])
    connection = duckdb.connect()
    connection.register("events", pa.Table.from_pydict(columns, schema=schema))
    return connection


def test_the_revenue_type_is_the_same_in_the_oracle_and_the_serving_columns():
    assert REVENUE_TYPE == REVENUE == "DECIMAL(38,2)"
    for columns in VIEW_COLUMNS.values():
        assert dict(columns)["revenue"] == REVENUE


def test_case_08_in_the_oracle_every_view_holds_the_whole_revenue():
    events = case_08_events()
    assert len(events) == 101
    views = oracle_views(events_relation(events))
    counts = views["action_counts"].fetchall()
    assert [(row[2], row[3], row[4]) for row in counts] == [("purchase", 101, CASE_08_REVENUE)]
    sliding = views["action_counts_sliding"].fetchall()
    assert len(sliding) == 5 and {row[4] for row in sliding} == {CASE_08_REVENUE}
    sessions = views["user_sessions"].fetchall()
    assert [(row[0], row[3], row[6], row[7]) for row in sessions] == [
        ("u-gus", 101, 101, CASE_08_REVENUE)
    ]
    assert [row[2:] for row in views["user_totals"].fetchall()] == [(101, 101, CASE_08_REVENUE)]


def test_a_revenue_at_the_types_maximum_is_exact_in_the_oracle_and_in_serving():
    template = case_08_events()[0]
    events = [
        {**template, "event_id": f"big-{i}", "amount": amount}
        for i, amount in enumerate(NEAR_MAX_AMOUNTS)
    ]
    views = oracle_views(events_relation(events, pa.decimal128(38, 2)))
    (row,) = views["action_counts"].fetchall()
    assert row[4] == REVENUE_MAX
    assert str(row[4]) == "9" * 36 + ".99"
    serving = duckdb.connect()
    typed = serving.execute(f"SELECT CAST(? AS {REVENUE}) + 0", [str(REVENUE_MAX)]).fetchone()
    assert typed[0] == REVENUE_MAX
    assert serving.execute(f"SELECT typeof(CAST(0 AS {REVENUE}))").fetchone()[0] == REVENUE


def test_the_largest_revenue_of_a_row_of_contract_events_is_far_below_the_bound():
    largest_amount = Decimal(10**10) - Decimal("0.01")  # decimal(12,2): amounts below 10^10
    assert largest_amount * 10**26 < REVENUE_MAX  # 10^26 maximal purchases in one row fit
