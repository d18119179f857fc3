"""A micro-batch whose views fail on a record does not crash-loop the job: the record is
isolated and kept as rejected (`processing_failed`), the rest is counted. A fault that is not
in a few records (every record fails) still fails the job, with one line.

No valid record can fail the real views, so the tests add a logic version whose views raise
a Spark error (`raise_error`, in Spark SQL) on chosen records."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from pyspark.sql import functions as F

from architectures.lambda_architecture import run_speed
from core.errors import LkError
from serving_layer.catalog import refresh_catalog
from serving_layer.query import run_query
from speed_layer.job import speed_options
from streaming.isolation import MAX_ISOLATED
from tests.topics.logs import single_partition_topic
from views import catalog

pytestmark = pytest.mark.slow


def failing_on(prefix: str):
    """A logic version: v1's views, raising on every event whose id starts with `prefix`."""

    def poisoned(function):
        def apply(events, **params):
            bad = F.col("event_id").startswith(prefix)
            checked = events.where(F.when(bad, F.raise_error(F.lit("poisoned"))).otherwise(True))
            return function(checked, **params)

        return apply

    return tuple(
        replace(view, version=f"fails-{prefix}", function=poisoned(view.function))
        for view in catalog.LOGIC_VERSIONS["v1"]
    )


def send_events(bootstrap: str, topic: str, ids: list[str]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for number, event_id in enumerate(ids):
        event = {
            "event_id": event_id,
            "user_id": f"u{number % 3}",
            "action": "view",
            "product_id": "p1",
            "amount": 0,
            "event_time": f"2026-03-02T10:{number:02d}:00.000Z",
        }
        producer.send(topic, json.dumps(event).encode())
    producer.flush()
    producer.close()


def test_a_record_the_views_fail_on_is_isolated(kafka, spark, tmp_path, monkeypatch):
    monkeypatch.setitem(catalog.LOGIC_VERSIONS, "fails-poison", failing_on("poison"))
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        ids = [f"e{n}" for n in range(20)]
        ids[7] = "poison-7"
        send_events(kafka.bootstrap, topic, ids)
        status = run_speed(
            settings,
            speed_options(logic_version="fails-poison", until_caught_up=True, watermark="1 hour"),
        )
        assert status["isolated"] == 1 and status["counted"] == 19
        refresh_catalog(settings)
        counted = run_query(settings, "SELECT sum(events) FROM speed_action_counts")[1]
        assert counted == [(19,)]
        rejected = run_query(
            settings,
            "SELECT \"offset\", reason FROM rejected_events WHERE found_by = 'lambda-speed'",
        )[1]
        assert len(rejected) == 1
        offset, reason = rejected[0]
        assert offset == 7 and reason.startswith("processing_failed: ") and "poisoned" in reason


def test_a_fault_in_every_record_fails_the_job(kafka, spark, tmp_path, monkeypatch):
    monkeypatch.setitem(catalog.LOGIC_VERSIONS, "fails-e", failing_on("e"))
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        send_events(kafka.bootstrap, topic, [f"e{n}" for n in range(2 * MAX_ISOLATED)])
        options = speed_options(logic_version="fails-e", until_caught_up=True)
        with pytest.raises(LkError) as raised:
            run_speed(settings, options)
        assert f"more than {MAX_ISOLATED} records" in str(raised.value)
        assert "\n" not in str(raised.value)
