"""Cases 16 and 20 and their kind: the log's append order decides, in every path.

Case 16: a replay cut with a small `--replay-max-offsets` over partitions of different
event-time density makes no event late that was not late in the log's order. Case 20: one
event_id on two partitions counts once, and the same copy (the one the log appended first) in
the speed layer, Kappa (live and replayed), the batch, `lambda_*` and the oracle."""

from __future__ import annotations

import runpy
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from architectures.kappa_architecture import run_version, switch
from architectures.lambda_architecture import run_batch, run_speed
from core.kafka_client import delete_topic
from kappa.job import KappaOptions
from oracle.truth import compute_truth
from serving_layer.query import run_query
from speed_layer.job import speed_options
from tests.topics.logs import CASES
from tests.topics.serving import action_counts

pytestmark = pytest.mark.slow

ZERO = Decimal("0.00")
CASE_16_RIGHT = {
    ("10:30", "view"): (2, ZERO),
    ("10:30", "click"): (1, ZERO),
    **{(f"10:3{minute}", "view"): (2, ZERO) for minute in range(1, 10)},
    **{(moment, "click"): (1, ZERO) for moment in ("10:42", "10:54", "11:06", "11:18", "11:30")},
}
"""Case 16's right rows: the oracle's 26 events, none late."""
CASE_20_RIGHT = {("10:20", "view"): (2, ZERO), ("10:20", "click"): (1, ZERO)}
"""Case 20's right rows: c20-dup once, by its copy the log appended first (u-wes's click)."""


def _case(name: str) -> dict:
    return runpy.run_path(str(CASES / name))


def _sessions(settings, view: str, user: str) -> list[tuple]:
    sql = (
        f"SELECT session_start, session_end, events FROM {view} "  # noqa: S608
        f"WHERE user_id = '{user}' ORDER BY session_start"
    )
    return [
        (start.strftime("%H:%M:%S"), end.strftime("%H:%M:%S"), n)
        for start, end, n in run_query(settings, sql)[1]
    ]


def test_case_16_a_replay_cut_any_way_drops_nothing_in_order(kafka, spark, tmp_path):
    case = _case("case-16-replay-skewed-partitions.py")
    topic = f"case16-{uuid.uuid4().hex[:8]}"
    case["produce"](kafka.bootstrap, topic)
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    try:
        speed = run_speed(settings, speed_options(until_caught_up=True))
        cut = run_version(settings, 1, KappaOptions(until_caught_up=True, replay_max_offsets=4))
        whole = run_version(settings, 2, KappaOptions(until_caught_up=True))
        run_batch(settings)
        compute_truth(settings)
        assert speed["dropped_late"] == cut["dropped_late"] == whole["dropped_late"] == 0
        assert cut["batches"] >= 6, "the replay was cut into several micro-batches"
        for view in ("truth", "batch", "speed", "lambda", "kappa"):
            assert action_counts(settings, f"{view}_action_counts") == CASE_16_RIGHT, view
        assert _sessions(settings, "kappa_user_sessions", "u-sol") == [("10:30:00", "10:44:30", 20)]
        switch(settings, 2)
        assert action_counts(settings, "kappa_action_counts") == CASE_16_RIGHT
    finally:
        delete_topic(kafka.bootstrap, topic)


def test_case_16_any_replay_limit_gives_the_same_rows(kafka, spark, tmp_path):
    """Other cuts of the same log: 1 and 5 records per micro-batch (the property test of
    tests/streaming/test_append_order.py tries random cuts without Spark)."""
    case = _case("case-16-replay-skewed-partitions.py")
    topic = f"case16-{uuid.uuid4().hex[:8]}"
    case["produce"](kafka.bootstrap, topic)
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    try:
        for number, limit in enumerate((1, 5), start=1):
            status = run_version(
                settings, number, KappaOptions(until_caught_up=True, replay_max_offsets=limit)
            )
            switch(settings, number, force=True)
            assert status["dropped_late"] == 0, limit
            assert action_counts(settings, "kappa_action_counts") == CASE_16_RIGHT, limit
    finally:
        delete_topic(kafka.bootstrap, topic)


def test_case_20_one_id_on_two_partitions_counts_its_first_copy_everywhere(kafka, spark, tmp_path):
    case = _case("case-20-shared-event-id.py")
    topic = f"case20-{uuid.uuid4().hex[:8]}"
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    live, caught_up = speed_options(until_caught_up=True), KappaOptions(until_caught_up=True)
    try:
        case["produce"](kafka.bootstrap, topic, 1)
        run_speed(settings, live)
        run_version(settings, 1, caught_up)
        case["produce"](kafka.bootstrap, topic, 2)
        run_speed(settings, live)
        run_version(settings, 1, caught_up)
        run_version(settings, 2, caught_up)  # both copies in one micro-batch
        run_batch(settings)
        compute_truth(settings)
        for view in ("truth", "batch", "speed", "lambda", "kappa"):
            assert action_counts(settings, f"{view}_action_counts") == CASE_20_RIGHT, view
        switch(settings, 2)
        assert action_counts(settings, "kappa_action_counts") == CASE_20_RIGHT
        totals = "SELECT user_id, events FROM lambda_user_totals ORDER BY user_id"
        assert run_query(settings, totals)[1] == [("u-wes", 2), ("u-xia", 1)]
    finally:
        delete_topic(kafka.bootstrap, topic)
