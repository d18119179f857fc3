"""Case 14 and its kind: a producer clock in the future. An event stamped more than an hour after
its record's Kafka timestamp is rejected as `future_event_time` in every path, the oracle's
included, so it moves no watermark and no batch horizon: every later on-time event is counted by
the speed layer, a Kappa version running since before it, a new Kappa version and the batch.
Boundary times (the Unix epoch, the contract's first year) count like any other time."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from architectures.kappa_architecture import run_version, switch
from architectures.lambda_architecture import run_batch, run_speed
from kappa.job import KappaOptions
from oracle.truth import compute_truth
from serving_layer.query import run_query
from speed_layer.job import speed_options
from tests.topics.logs import CASES, send_lines, single_partition_topic
from tests.topics.serving import action_counts

pytestmark = pytest.mark.slow

ZERO = Decimal("0.00")
PHASE_1 = {("10:20", "view"): (1, ZERO), ("10:20", "click"): (1, ZERO)}
PHASE_2 = {**PHASE_1, ("10:21", "purchase"): (1, Decimal("12.50")), ("10:22", "view"): (1, ZERO)}
PHASE_3 = {**PHASE_2, ("10:23", "view"): (1, ZERO)}
"""What every path serves after each phase of case 14: every 2026 event, never the 2099 one."""


def _rejected(settings) -> dict[str, str]:
    """{layer: reason} of the rejected records the catalog serves."""
    rows = run_query(settings, "SELECT found_by, reason FROM rejected_events")[1]
    return dict(rows)


def test_a_future_event_time_is_rejected_and_moves_no_watermark(kafka, spark, tmp_path):
    case = CASES / "case-14-future-event"
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        live = speed_options(until_caught_up=True)
        caught_up = KappaOptions(until_caught_up=True)

        assert send_lines(kafka.bootstrap, topic, case.with_suffix(".jsonl")) == 3
        run_speed(settings, live)
        run_version(settings, 1, caught_up)
        run_batch(settings)
        for view in ("batch", "speed", "lambda", "kappa"):
            assert action_counts(settings, f"{view}_action_counts") == PHASE_1, view
        assert _rejected(settings) == {
            layer: "future_event_time" for layer in ("lambda-ingest", "lambda-speed", "kappa-v1")
        }
        truth = compute_truth(settings)
        assert truth["rejected"] == 1 and truth["rejected_by_reason"] == {"future_event_time": 1}

        send_lines(kafka.bootstrap, topic, case.with_suffix(".phase2.jsonl"))
        run_speed(settings, live)
        run_version(settings, 1, caught_up)
        for view in ("speed", "lambda", "kappa"):  # lambda: before the next batch run
            assert action_counts(settings, f"{view}_action_counts") == PHASE_2, view

        send_lines(kafka.bootstrap, topic, case.with_suffix(".phase3.jsonl"))
        run_speed(settings, live)
        run_version(settings, 1, caught_up)
        run_version(settings, 2, caught_up)
        run_batch(settings)
        compute_truth(settings)
        for view in ("truth", "batch", "speed", "lambda", "kappa"):
            assert action_counts(settings, f"{view}_action_counts") == PHASE_3, view
        switch(settings, 2)
        assert action_counts(settings, "kappa_action_counts") == PHASE_3
        horizon = run_query(settings, "SELECT max(horizon) FROM serving_status")[1][0][0]
        assert horizon is not None and horizon.year == 2026, horizon


EPOCH_EVENTS = [
    ("b-1", "view", "1970-01-01T00:00:00.000Z"),  # the Unix epoch: 0 ms
    ("b-2", "click", "1970-01-01T00:00:00.001Z"),
    ("b-3", "view", "1970-01-01T00:00:59.999999Z"),
    ("b-4", "view", "1970-01-01T00:01:00Z"),
]
EPOCH_RIGHT = {
    ("00:00", "view"): (2, ZERO),
    ("00:00", "click"): (1, ZERO),
    ("00:01", "view"): (1, ZERO),
}


def test_the_first_moments_of_the_contract_count_in_every_path(kafka, spark, tmp_path):
    from kafka import KafkaProducer

    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        producer = KafkaProducer(bootstrap_servers=kafka.bootstrap)
        for event_id, action, moment in EPOCH_EVENTS:
            value = (
                f'{{"event_id":"{event_id}","user_id":"u-old","action":"{action}",'
                f'"product_id":null,"amount":0,"event_time":"{moment}"}}'
            )
            producer.send(topic, value.encode(), partition=0)
        producer.flush()
        producer.close()
        run_speed(settings, speed_options(until_caught_up=True))
        run_version(settings, 1, KappaOptions(until_caught_up=True))
        run_batch(settings)
        compute_truth(settings)
        for view in ("truth", "batch", "speed", "lambda", "kappa"):
            assert action_counts(settings, f"{view}_action_counts") == EPOCH_RIGHT, view
