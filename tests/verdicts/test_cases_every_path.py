"""The record cases (01, 02, 03, 04, 05, 07 of the shared cases) through every path: sent to one
topic as a user would (JSONL lines byte for byte, the REES46 CSV through file replay), then the
oracle, the batch layer, the speed layer and a Kappa version. Each path serves the right windows
of every case and rejects the same records for the same reasons."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal

import duckdb
import pytest

from architectures.kappa_architecture import run_version
from architectures.lambda_architecture import run_batch, run_speed
from core.layout import Layout
from kappa.job import KappaOptions
from oracle.truth import compute_truth
from serving_layer.query import run_query
from speed_layer.job import speed_options
from tests.topics.logs import CASES, send_lines, single_partition_topic
from tests.topics.serving import action_counts
from tests.verdicts.test_cases import CASES as RECORD_CASES
from workloads.file_replay import read_file
from workloads.producer import send_records

pytestmark = pytest.mark.slow

REES46_CASE = "case-04-rees46-nan-price.csv"
RIGHT = {
    ("00:00", "view"): (1, Decimal("0.00")),  # 2019-10-01, case 04
    ("00:00", "purchase"): (1, Decimal("1081.98")),
    **{
        (start, action): (events, Decimal(revenue))
        for _, windows in RECORD_CASES.values()
        for start, action, events, revenue in windows
    },
}
"""(window start, action) -> (events, revenue): every case's right windows (they do not overlap)."""


def rejected_reasons(settings, found_by: str) -> Counter:
    """How many records one path rejected, by reason."""
    sql = f"SELECT reason, count(*) FROM rejected_events WHERE found_by = '{found_by}' GROUP BY 1"
    return Counter(dict(run_query(settings, sql)[1]))


def test_every_path_serves_the_right_windows_of_every_record_case(kafka, spark, tmp_path):
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        # The 2019 rows first: in one partition, nothing arrives behind a newer event time.
        summary = send_records(read_file(CASES / REES46_CASE), kafka.bootstrap, topic)
        records = summary.as_dict()["records"]
        records += sum(send_lines(kafka.bootstrap, topic, CASES / name) for name in RECORD_CASES)

        truth = compute_truth(settings)
        assert truth["records_read"] == records and truth["balanced"]
        run_batch(settings)
        run_speed(settings, speed_options(until_caught_up=True))
        run_version(settings, 1, KappaOptions(until_caught_up=True))

        for view in ("truth", "batch", "speed", "lambda", "kappa"):
            assert action_counts(settings, f"{view}_action_counts") == RIGHT, view

        connection = duckdb.connect()  # its own: the module's default keeps unfinished results
        rejected_file = str(Layout(tmp_path).truth_version("v1") / "rejected.parquet")
        oracle_rejected = Counter(
            dict(
                connection.execute(
                    "SELECT reason, count(*) FROM read_parquet(?) GROUP BY 1", [rejected_file]
                ).fetchall()
            )
        )
        connection.close()
        assert sum(oracle_rejected.values()) == truth["rejected"] > 0
        assert oracle_rejected["wrong_type: amount"] >= 3  # 1e999, and REES46's NaN and inf
        for found_by in ("lambda-ingest", "lambda-speed", "kappa-v1"):
            assert rejected_reasons(settings, found_by) == oracle_rejected, found_by
