"""A topic written by a transactional producer: every path reads committed. Aborted records never
count, transaction markers leave gaps in the offsets, and nothing refuses or hangs over them."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from architectures.kappa_architecture import run_version
from architectures.lambda_architecture import run_batch, run_speed
from core.kafka_client import end_offsets
from kappa.job import KappaOptions
from kappa.versions import lag
from oracle.truth import compute_truth
from speed_layer.job import speed_options
from tests.topics.logs import send_transactional_case, single_partition_topic
from tests.topics.serving import action_counts

pytestmark = pytest.mark.slow

RIGHT = {
    ("10:10", "view"): (2, Decimal("0.00")),
    ("10:10", "click"): (1, Decimal("0.00")),
    ("10:10", "purchase"): (1, Decimal("9.99")),
}
"""[10:10,10:11): the two committed views, the plain click, the committed purchase only."""


def test_every_path_reads_committed_records_only(kafka, spark, tmp_path):
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        send_transactional_case(kafka.bootstrap, topic)
        assert end_offsets(kafka.bootstrap, topic) == {0: 8}  # 5 records and 3 markers

        truth = compute_truth(settings)
        assert (truth["records_read"], truth["accepted"], truth["rejected"]) == (4, 4, 0)
        assert truth["offsets_without_record"] == 4  # 3 markers and the aborted purchase

        ingested = run_batch(settings)["ingest"]
        assert (ingested["records"], ingested["events"], ingested["rejected"]) == (4, 4, 0)
        assert ingested["offsets_spanned"] == 8 and ingested["offsets_without_record"] == 4
        again = run_batch(settings)["ingest"]  # the next run neither refuses nor re-reads
        assert again["run"] is None and again["records"] == 0

        speed = run_speed(settings, speed_options(until_caught_up=True))
        assert speed["offsets"] == {"0": 8} and speed["lag"] == 0
        kappa = run_version(settings, 1, KappaOptions(until_caught_up=True))
        assert kappa["offsets"] == {"0": 8} and lag(settings, 1)["lag"] == 0

        for view in ("truth", "batch", "speed", "lambda", "kappa"):
            assert action_counts(settings, f"{view}_action_counts") == RIGHT, view
