"""Revenue in the Spark views: case 08 (101 purchases of the largest legal amount in one
minute) sums exactly in every view, and a sum at the type's maximum (10^36 - 0.01) neither
fails nor loses a cent; a sum beyond it fails loudly rather than wrapping or rounding."""

import pytest
from pyspark.sql.types import DecimalType, StructField, StructType

from tests.revenue.cases import CASE_08_REVENUE, NEAR_MAX_AMOUNTS, REVENUE_MAX, case_08_events
from views.definitions import (
    REVENUE_TYPE,
    action_counts,
    action_counts_sliding,
    user_sessions,
    user_totals,
)
from views.events import spark_event_schema

pytestmark = pytest.mark.slow

COLUMNS = ("event_id", "user_id", "action", "product_id", "amount", "event_time")


def frame(spark, events: list[dict], amount_type: DecimalType | None = None):
    """Accepted events as a DataFrame of the event schema (amount wider, if given)."""
    schema = spark_event_schema()
    if amount_type is not None:
        fields = [
            StructField("amount", amount_type, False) if f.name == "amount" else f
            for f in schema.fields
        ]
        schema = StructType(fields)
    rows = [tuple(event[name] for name in schema.names) for event in events]
    return spark.createDataFrame(rows, schema)


def test_case_08_every_spark_view_holds_the_whole_revenue(spark):
    events = frame(spark, case_08_events())
    (row,) = action_counts(events).collect()
    assert (row.action, row.events, row.revenue) == ("purchase", 101, CASE_08_REVENUE)
    sliding = action_counts_sliding(events).collect()
    assert len(sliding) == 5 and {r.revenue for r in sliding} == {CASE_08_REVENUE}
    (session,) = user_sessions(events).collect()
    assert (session.events, session.purchases, session.revenue) == (101, 101, CASE_08_REVENUE)
    (total,) = user_totals(events).collect()
    assert (total.events, total.revenue) == (101, CASE_08_REVENUE)
    for view in (action_counts, action_counts_sliding, user_sessions, user_totals):
        assert view(events).schema["revenue"].dataType == DecimalType(38, 2)
    assert REVENUE_TYPE == "decimal(38,2)"


def test_a_revenue_at_the_types_maximum_is_exact_and_a_larger_sum_fails(spark):
    template = case_08_events()[0]
    wide = DecimalType(38, 2)
    at_max = [
        {**template, "event_id": f"big-{i}", "amount": amount}
        for i, amount in enumerate(NEAR_MAX_AMOUNTS)
    ]
    for view in (action_counts, user_sessions, user_totals):
        (row,) = view(frame(spark, at_max, wide)).collect()
        assert row.revenue == REVENUE_MAX
    beyond = [*at_max, {**template, "event_id": "cent", "amount": template["amount"]}]
    with pytest.raises(Exception, match="(?i)overflow|out of range|cannot be represented"):
        action_counts(frame(spark, beyond, wide)).collect()
