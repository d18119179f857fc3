"""Case 19 and its kind: the head of the log deleted (retention by time or size, DeleteRecords),
including offsets a job had not read yet. No path fails: each reads on from the log start and
records the offsets it never read (`serving_status.offsets_never_read`); Lambda's master
dataset keeps what it ingested before; a fresh Kappa replay, a fresh batch and the oracle
rebuild from what the log still holds and say which offsets they never saw."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from kafka import KafkaAdminClient, KafkaProducer, TopicPartition

from architectures.kappa_architecture import run_version, switch
from architectures.lambda_architecture import run_batch, run_speed
from experiments.compare import compare_with_truth
from kappa.job import KappaOptions
from oracle.truth import compute_truth
from serving_layer.query import run_query
from speed_layer.job import speed_options
from tests.topics.logs import event, single_partition_topic
from tests.topics.serving import action_counts

pytestmark = pytest.mark.slow

FIRST = [("view", "10:19:00"), ("view", "10:19:10"), ("click", "10:19:20"), ("view", "10:19:30")]
SECOND = [
    ("click", "10:19:40"),
    ("view", "10:19:50"),
    ("purchase", "10:20:00"),
    ("view", "10:20:10"),
]
"""Offsets 0-3, then 4-7; the head is deleted before offset 6, so 4-5 go unread."""
KEPT = {("10:20", "purchase"): (1, Decimal("3.00")), ("10:20", "view"): (1, Decimal("0.00"))}
"""What the log holds after the deletion (offsets 6-7)."""
INGESTED = {
    ("10:19", "view"): (3, Decimal("0.00")),
    ("10:19", "click"): (1, Decimal("0.00")),
    **KEPT,
}
"""What a job that read offsets 0-3 before the deletion serves: 0-3 and 6-7."""


def _send(bootstrap: str, topic: str, events: list, first_id: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for n, (action, moment) in enumerate(events, start=first_id):
        amount = "3.00" if action == "purchase" else "0"
        producer.send(topic, value=event(f"c19-e{n}", action, moment, amount), partition=0)
    producer.flush()
    producer.close()


def _never_read(settings) -> dict:
    sql = "SELECT component, version, offsets_never_read FROM serving_status"
    return {(c, v): n for c, v, n in run_query(settings, sql)[1] if c != "catalog"}


def test_every_path_reads_on_after_the_head_of_the_log_was_deleted(kafka, spark, tmp_path):
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path / "first")
        caught_up = KappaOptions(until_caught_up=True)

        def run_lambda_and_kappa_v1() -> None:
            run_batch(settings)
            run_speed(settings, speed_options(until_caught_up=True))
            run_version(settings, 1, caught_up)

        _send(kafka.bootstrap, topic, FIRST, 1)
        run_lambda_and_kappa_v1()
        _send(kafka.bootstrap, topic, SECOND, 5)
        admin = KafkaAdminClient(bootstrap_servers=kafka.bootstrap)
        try:
            admin.delete_records({TopicPartition(topic, 0): 6})
        finally:
            admin.close()

        run_lambda_and_kappa_v1()  # each had read 0-3: offsets 4-5 are gone unread
        for view in ("batch", "speed", "lambda", "kappa"):
            assert action_counts(settings, f"{view}_action_counts") == INGESTED, view
        run_version(settings, 2, caught_up)  # a replay from offset 0 finds the log at 6
        truth = compute_truth(settings)
        assert truth["offsets_deleted"] == {"0": [0, 5]} and truth["records_read"] == 2
        assert truth["records_in_log"] == 2 and truth["offsets_without_record"] == 0
        assert action_counts(settings, "truth_action_counts") == KEPT
        never = _never_read(settings)
        assert never[("speed", None)] == 2 and never[("kappa", 1)] == 2
        assert never[("kappa", 2)] == 6
        assert [n for (c, _), n in never.items() if c == "batch"] == [2]
        assert compare_with_truth(settings, "lambda")["offsets_never_read"] == 2
        assert compare_with_truth(settings, "kappa")["offsets_never_read"] == 2  # v1 serves
        switch(settings, 2)
        assert action_counts(settings, "kappa_action_counts") == KEPT
        assert compare_with_truth(settings, "kappa")["offsets_never_read"] == 6

        fresh = replace(settings, data_dir=tmp_path / "fresh")
        run_batch(fresh)  # a new master dataset starts at the log start
        assert action_counts(fresh, "batch_action_counts") == KEPT
        assert [n for (c, _), n in _never_read(fresh).items() if c == "batch"] == [6]
