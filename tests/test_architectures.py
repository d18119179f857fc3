"""One stream, both architectures: Lambda (after a batch run) and Kappa (after a replay) serve
the same rows as the SQL oracle wherever their rows are final, and nothing wrong elsewhere."""

from dataclasses import replace

import pytest

from architectures.kappa_architecture import run_version
from architectures.lambda_architecture import run_batch, run_speed
from experiments.compare import compare_with_truth
from experiments.oracle.truth import compute_truth
from kappa.job import KappaOptions
from lk.formats import format_comparison
from serving_layer.catalog import refresh_catalog
from speed_layer.job import speed_options
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow

WATERMARK = "1 minute"
"""Longer than any lateness in this stream (at most 30 s): no event is dropped, so every row can
be exact; and short enough that the views close windows and sessions in the stream's 80 minutes."""
UPDATED_VIEWS = ("action_counts", "action_counts_sliding", "user_totals")


def run_lambda(settings) -> None:
    run_speed(settings, speed_options(until_caught_up=True, watermark=WATERMARK))
    run_batch(settings)


def run_kappa_v1(settings) -> None:
    options = KappaOptions(until_caught_up=True, watermark=WATERMARK, replay_min_partitions=8)
    run_version(settings, 1, options)  # the first version goes into service once caught up


@pytest.fixture(params=["lambda", "kappa"])
def architecture(request, kafka, topic, spark, tmp_path):
    """The same stream (late, duplicate and malformed records) through one architecture."""
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    scenario = SCENARIOS["dirty"].with_overrides(acceleration=600.0, late_max_seconds=30.0)
    records = generate(scenario, seed=51, events=4000)
    send_records(records, kafka.bootstrap, topic, paced=False, total=None)
    {"lambda": run_lambda, "kappa": run_kappa_v1}[request.param](settings)
    compute_truth(settings)
    refresh_catalog(settings)
    return request.param, settings


def test_both_architectures_serve_the_oracle_rows(architecture):
    name, settings = architecture
    report = compare_with_truth(settings, name)
    assert report["horizon"] is not None  # Lambda's H, or the watermark of Kappa's version
    for view in (*UPDATED_VIEWS, "user_sessions"):
        final = report[view]["complete"]
        assert final["missing"] == final["extra"] == 0, (name, view, final)
        assert final["matching"] > 0 or view == "user_totals", (name, view)
    for view in UPDATED_VIEWS:  # rows still open are exact too: nothing was dropped
        open_rows = report[view]["open"]
        assert open_rows["missing"] == open_rows["extra"] == 0, (name, view, open_rows)
    assert report["user_sessions"]["open"]["extra"] == 0  # open sessions: not yet emitted
    printed = format_comparison({name: report}).splitlines()
    assert len(printed) == 2 + 4 * 2 and printed[1].startswith(f"{name}: rows final up to")
