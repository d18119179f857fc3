"""Case 08 through the real broker: the records sent byte for byte into a one-partition
topic; the batch layer, the speed layer and Kappa each serve 101 purchases with revenue
1,009,999,999,998.99, as the oracle does; the streaming paths run twice (a restart resumes
from its checkpoint instead of failing again)."""

import uuid
from dataclasses import replace

import pytest
from kafka import KafkaProducer

from architectures.kappa_architecture import run_version
from architectures.lambda_architecture import run_batch, run_speed
from core.kafka_client import delete_topic, ensure_topic
from kappa.job import KappaOptions
from oracle.truth import compute_truth
from serving_layer.catalog import refresh_catalog
from serving_layer.query import run_query
from speed_layer.job import speed_options
from tests.revenue.cases import CASE_08, CASE_08_REVENUE

pytestmark = pytest.mark.slow


def send_case(bootstrap: str, topic: str) -> int:
    """Each line of case 08 as one record value, byte for byte, keyed by its user."""
    lines = [line for line in CASE_08.read_bytes().splitlines() if line]
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    try:
        for line in lines:
            producer.send(topic, value=line, key=b"u-gus")
        producer.flush()
    finally:
        producer.close()
    return len(lines)


def test_case_08_every_path_serves_the_whole_revenue_and_restarts_cleanly(kafka, tmp_path):
    topic = f"case-08-{uuid.uuid4().hex[:8]}"
    ensure_topic(kafka.bootstrap, topic, partitions=1)
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    try:
        assert send_case(settings.bootstrap, topic) == 101
        batch = run_batch(settings)
        assert batch["ingest"]["records"] == 101
        for _ in range(2):  # the second run resumes from the checkpoint: no crash loop
            run_speed(settings, speed_options(until_caught_up=True))
            run_version(settings, 1, KappaOptions(until_caught_up=True))
        truth = compute_truth(settings)
        assert truth["accepted"] == 101
        refresh_catalog(settings)
        for layer in ("batch", "speed", "kappa", "truth", "lambda"):
            rows = run_query(
                settings,
                f"SELECT action, events, revenue, typeof(revenue) FROM {layer}_action_counts",
            )[1]
            assert rows == [("purchase", 101, CASE_08_REVENUE, "DECIMAL(38,2)")], layer
        # The streaming paths emit a session once closed: this one is still open, and Lambda
        # serves the batch's (the speed layer has no row for it).
        for layer in ("batch", "truth", "lambda"):
            sessions = run_query(settings, f"SELECT events, revenue FROM {layer}_user_sessions")
            assert sessions[1] == [(101, CASE_08_REVENUE)], layer
    finally:
        delete_topic(settings.bootstrap, topic)
