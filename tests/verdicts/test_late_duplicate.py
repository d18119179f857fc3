"""Case 12: a duplicate re-sent later with another event time. The event counts once, at its
first copy in the log ([10:12,10:13)), in the oracle and in the batch, however the two copies
are split across ingest runs. (The streaming paths remember an id only within their watermark,
so there the late copy counts again: see `views.definitions.distinct_events`.)"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from architectures.lambda_architecture import run_batch
from oracle.truth import compute_truth
from tests.topics.logs import CASES, send_lines, single_partition_topic
from tests.topics.serving import action_counts

pytestmark = pytest.mark.slow

RIGHT = {
    ("10:12", "view"): (1, Decimal("0.00")),  # c12-dup's first copy; nothing at 10:40
    ("10:12", "click"): (1, Decimal("0.00")),
    ("10:35", "view"): (1, Decimal("0.00")),
}


def test_a_late_duplicate_counts_once_at_its_first_offset(kafka, spark, tmp_path):
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        send_lines(kafka.bootstrap, topic, CASES / "case-12-conflicting-duplicate.jsonl")
        run_batch(settings)
        send_lines(kafka.bootstrap, topic, CASES / "case-12-conflicting-duplicate.phase2.jsonl")
        run_batch(settings)  # a second ingest run holds the late copy
        compute_truth(settings)
        for view in ("truth", "batch"):
            assert action_counts(settings, f"{view}_action_counts") == RIGHT, view
