"""Spark, started the project's way, reads the topic through the Kafka connector jars."""

import json

import pytest

from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow


def test_pyspark_matches_the_jvm_spark_version(spark):
    import pyspark

    assert pyspark.__version__ == spark.version


def test_spark_reads_the_topic_with_format_kafka(spark, kafka, topic):
    from views.parse import accepted_events, parse_events

    records = list(generate(SCENARIOS["steady"], seed=3, events=2_000))
    send_records(records, kafka.bootstrap, topic, show_progress=False)

    raw = (
        spark.read.format("kafka")
        .option("kafka.bootstrap.servers", kafka.bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .load()
    )
    assert raw.count() == len(records)
    assert {row.timestampType for row in raw.select("timestampType").distinct().collect()} == {1}

    events = accepted_events(parse_events(raw))
    ids = {row.event_id for row in events.select("event_id").collect()}
    assert ids == {json.loads(r.value)["event_id"] for r in records}
    assert events.columns == ["event_id", "user_id", "action", "product_id", "amount", "event_time"]
