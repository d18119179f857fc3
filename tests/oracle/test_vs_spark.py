"""The oracle and the Spark pipelines, written apart, agree: the same view parameters, the same
verdict and typed event for every record (except the listed departures of views/parse.py from
the contract), and exactly the same view rows from the same raw records."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from oracle.log import LogRecord
from oracle.params import LOGIC_VERSIONS, VIEW_NAMES, view_params
from oracle.tables import classify
from oracle.truth import connect
from oracle.views_sql import oracle_views
from tests.oracle.oracle_cases import (
    APPENDED_MS,
    CASES,
    DIFFERS,
    NOT_SENT,
    SAME,
    generated_corpus,
    labels,
    oracle_verdict,
)
from views import catalog
from workloads.generator import generate
from workloads.records import encode_event
from workloads.scenarios import SCENARIOS

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RAW_SCHEMA = "topic string, partition int, offset long, timestamp timestamp, value binary"


def test_the_oracle_s_parameters_are_the_catalog_s_in_every_logic_version():
    assert set(LOGIC_VERSIONS) == set(catalog.LOGIC_VERSIONS)
    assert VIEW_NAMES == catalog.VIEW_NAMES
    for version in LOGIC_VERSIONS:
        spark_side = {view.name: view.params for view in catalog.views_at(version)}
        assert view_params(version) == spark_side, version


APPENDED = datetime(2101, 1, 1, tzinfo=UTC)
"""A Kafka timestamp after every possible event time: only a record's value is judged."""


def raw_frame(spark, values: list[bytes | None], appended: list[datetime] | None = None):
    """Kafka-like rows: one record per value, at offsets 0.. of partition 0 of topic `t`,
    appended at `appended` (one per value; default APPENDED for all)."""
    moments = appended or [APPENDED] * len(values)
    return spark.createDataFrame(
        [("t", 0, offset, moments[offset], value) for offset, value in enumerate(values)],
        RAW_SCHEMA,
    )


def spark_verdicts(spark, values: list[bytes | None]) -> list[tuple]:
    """`oracle_verdict`'s tuple for each value, by views/parse.py."""
    from pyspark.sql import functions as F

    from views.parse import parse_events

    accepted = F.col("reason").isNull()
    rows = (
        parse_events(raw_frame(spark, values))
        .select(
            "offset",
            "reason",
            "event_id",
            "user_id",
            "action",
            "product_id",
            "amount",
            F.when(accepted, F.unix_micros("event_time")).alias("event_time_us"),
        )
        .collect()
    )
    by_offset = {row.offset: row for row in rows}
    assert len(by_offset) == len(values)
    verdicts = []
    for offset in range(len(values)):
        row = by_offset[offset]
        if row.reason is not None:
            verdicts.append((row.reason,))
            continue
        moment = EPOCH + timedelta(microseconds=row.event_time_us)
        fields = (row.event_id, row.user_id, row.action, row.product_id, row.amount, moment)
        verdicts.append((None, *fields))
    return verdicts


@pytest.mark.slow
def test_spark_gives_the_oracle_s_verdict_on_the_generated_corpus_and_edge_cases(spark):
    from tests.views.test_parse import EDGE_CASES

    same = [case.value for case in CASES if case.spark == SAME]
    values = generated_corpus() + EDGE_CASES + same
    oracle = [oracle_verdict(value) for value in values]
    spark_side = spark_verdicts(spark, values)
    differing = [(v, o, s) for v, o, s in zip(values, oracle, spark_side, strict=True) if o != s]
    assert differing == []
    assert sum(v[0] is None for v in oracle) > 3_000


@pytest.mark.slow
def test_spark_gives_the_contract_verdict_on_every_case(spark):
    """views/parse.py checks what follows the JSON value, UTF-8, the end of an event_time and
    reads numbers exactly: no case departs any more, and every case is sent (even 1000 deep)."""
    sent = [case for case in CASES if case.spark != NOT_SENT]
    assert len(sent) == len(CASES)
    spark_side = spark_verdicts(spark, [case.value for case in sent])
    differing = {
        case.label
        for case, verdict in zip(sent, spark_side, strict=True)
        if oracle_verdict(case.value) != verdict
    }
    assert differing == labels("spark", DIFFERS) == set()


@pytest.mark.slow
def test_spark_keeps_repeated_keys_refused_by_default(spark):
    """`try_parse_json` refuses repeated keys only while this setting keeps its default."""
    assert spark.conf.get("spark.sql.variant.allowDuplicateKeys") == "false"


def _cross_check_values() -> list[bytes]:
    """Generated records (late, out of order, duplicated, malformed) plus events on the edges of
    windows, sessions and hours."""
    scenario = SCENARIOS["dirty"].with_overrides(users=20, rate=2.0)
    values = [record.value for record in generate(scenario, seed=5, events=400)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    edges = [  # (user, action, amount, offset from the start)
        ("edge1", "view", 0, timedelta(minutes=3)),  # on a window edge
        ("edge1", "click", 0, timedelta(minutes=8)),  # exactly the v1 gap later
        ("edge1", "purchase", 12.34, timedelta(minutes=13, milliseconds=1)),  # just over it
        ("edge1", "view", 0, timedelta(minutes=23, milliseconds=1)),  # exactly the v2 gap
        ("edge2", "view", 0, timedelta(hours=1)),  # on the hour
        ("edge2", "view", 0, timedelta(hours=1)),  # a second event at the same instant
        ("edge2", "purchase", 0.01, timedelta(hours=1, microseconds=-1)),
    ]
    for index, (user, action, amount, offset) in enumerate(edges):
        event = {
            "event_id": f"edge-{index}",
            "user_id": user,
            "action": action,
            "product_id": None,
            "amount": amount,
            "event_time": (start + offset).isoformat(timespec="microseconds"),
        }
        values.append(encode_event(event))
    values.append(values[-1])  # a duplicate of an edge event
    return values


def _utc_rows(frame) -> list[tuple]:
    """A Spark DataFrame's rows with timestamps as naive UTC datetimes, whatever the local zone."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    columns = [
        F.unix_micros(field.name).alias(field.name)
        if isinstance(field.dataType, TimestampType)
        else F.col(field.name)
        for field in frame.schema.fields
    ]
    stamps = {f.name for f in frame.schema.fields if isinstance(f.dataType, TimestampType)}
    names = frame.columns
    return [
        tuple(
            (EPOCH + timedelta(microseconds=value)).replace(tzinfo=None)
            if name in stamps
            else value
            for name, value in zip(names, row, strict=True)
        )
        for row in frame.select(*columns).collect()
    ]


@pytest.mark.slow
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_oracle_gives_exactly_the_rows_of_the_spark_views(spark, version):
    from views.parse import accepted_events, parse_events

    values = _cross_check_values()
    events, rejected = classify(
        [LogRecord(0, offset, APPENDED_MS, value) for offset, value in enumerate(values)], "t"
    )
    assert rejected.num_rows > 0
    assert events.num_rows > 400  # duplicates ride along
    assert len(set(events.column("event_id").to_pylist())) < events.num_rows
    connection = connect()
    connection.register("events", events)
    oracle = oracle_views(connection, version)

    spark_events = accepted_events(parse_events(raw_frame(spark, values)))
    assert spark_events.count() == events.num_rows
    for view in catalog.views_at(version):
        spark_rows = sorted(_utc_rows(view.apply(spark_events)))
        oracle_rows = sorted(oracle[view.name].fetchall())
        assert len(oracle_rows) > 10, view.name
        assert oracle_rows == spark_rows, view.name
        assert all(isinstance(row[-1], Decimal) for row in oracle_rows), view.name
    connection.close()
