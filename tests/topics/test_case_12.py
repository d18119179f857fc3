"""Case 12: c12-dup is viewed at 10:12; after the stream has moved on to 10:35, the same
event_id arrives again re-stamped 10:40. Right: it counts once, at its first offset
([10:12,10:13)), nothing at 10:40.

The oracle and the batch layer count every event_id once. A streaming job remembers an id
only within its dedup horizon (state is not free): with the default (the watermark, 10
minutes) the speed layer and Kappa v1 have forgotten c12-dup when the copy comes, count it
again at 10:40, and say so (`duplicates_counted` in serving_status, `lk compare`); Kappa v2,
replayed with a one-hour horizon, remembers it and serves the right rows."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from architectures.kappa_architecture import run_version, switch
from architectures.lambda_architecture import run_batch, run_speed
from experiments.compare import compare_with_truth
from kappa.job import KappaOptions
from oracle.truth import compute_truth
from serving_layer.query import run_query
from speed_layer.job import speed_options
from tests.topics.logs import CASES, send_lines, single_partition_topic
from tests.topics.serving import action_counts

pytestmark = pytest.mark.slow

RIGHT = {("10:12", "view"): (1, Decimal("0.00")), ("10:12", "click"): (1, Decimal("0.00")),
         ("10:35", "view"): (1, Decimal("0.00"))}  # fmt: skip
AGAIN = {**RIGHT, ("10:40", "view"): (1, Decimal("0.00"))}
"""What a stream that forgot c12-dup serves: the copy counted a second time at 10:40."""


def duplicates_counted(settings, component: str, version: int | None = None) -> int:
    where = f"component = '{component}'" + (f" AND version = {version}" if version else "")
    sql = f"SELECT duplicates_counted FROM serving_status WHERE {where}"
    return run_query(settings, sql)[1][0][0]


def test_a_duplicate_resent_after_the_dedup_horizon(kafka, spark, tmp_path):
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        long_memory = KappaOptions(until_caught_up=True, dedup_horizon="1 hour")

        def run_every_path() -> None:
            compute_truth(settings)
            run_batch(settings)
            run_speed(settings, speed_options(until_caught_up=True))
            run_version(settings, 1, KappaOptions(until_caught_up=True))
            run_version(settings, 2, long_memory)

        send_lines(kafka.bootstrap, topic, CASES / "case-12-conflicting-duplicate.jsonl")
        run_every_path()
        send_lines(kafka.bootstrap, topic, CASES / "case-12-conflicting-duplicate.phase2.jsonl")
        run_every_path()

        for view in ("truth", "batch"):
            assert action_counts(settings, f"{view}_action_counts") == RIGHT, view
        for view in ("speed", "kappa"):  # v1 is in service
            assert action_counts(settings, f"{view}_action_counts") == AGAIN, view
        assert duplicates_counted(settings, "speed") == 1
        assert duplicates_counted(settings, "kappa", 1) == 1
        assert duplicates_counted(settings, "kappa", 2) == 0
        assert duplicates_counted(settings, "batch") == 0
        kappa_v1 = compare_with_truth(settings, "kappa")
        assert kappa_v1["duplicates_counted"] == 1
        assert (
            kappa_v1["action_counts"]["open"]["extra"]
            + (kappa_v1["action_counts"]["complete"]["extra"])
            == 1
        )  # the 10:40 row: the difference the duplicate makes

        switch(settings, 2)
        assert action_counts(settings, "kappa_action_counts") == RIGHT
        kappa_v2 = compare_with_truth(settings, "kappa")
        assert kappa_v2["duplicates_counted"] == 0
        for part in ("complete", "open"):
            assert kappa_v2["action_counts"][part]["extra"] == 0
            assert kappa_v2["action_counts"][part]["missing"] == 0
