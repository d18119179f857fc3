"""One stream, both architectures: Lambda (after a batch run) and Kappa (after a replay) serve
the same rows as the SQL oracle everywhere, final rows and rows still open alike, on a stream
with late, duplicate and malformed records whose disorder stays inside the watermark."""

import json
from dataclasses import replace

import pytest

from architectures.kappa_architecture import run_version
from architectures.lambda_architecture import run_batch, run_speed
from core.layout import Layout
from experiments.compare import compare_with_truth
from kappa.job import KappaOptions
from lk.formats import format_comparison
from oracle.truth import compute_truth
from serving_layer.catalog import refresh_catalog
from speed_layer.job import speed_options
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow

WATERMARK = "1 minute"
"""Longer than any lateness in this stream (at most 30 s): no event is dropped, so every row can
be exact; and short enough that the views close windows and sessions in the stream's 80 minutes."""
DEDUP_HORIZON = "5 minutes"
"""Longer than any duplicate's delay (at most 200 records: 4 minutes of this stream's event
time), so no copy is forgotten and counted again (nor dropped as late)."""
VIEWS = ("action_counts", "action_counts_sliding", "user_sessions", "user_totals")


def run_lambda(settings) -> None:
    options = speed_options(until_caught_up=True, watermark=WATERMARK, dedup_horizon=DEDUP_HORIZON)
    run_speed(settings, options)
    run_batch(settings)


def run_kappa_v1(settings) -> None:
    options = KappaOptions(
        until_caught_up=True,
        watermark=WATERMARK,
        dedup_horizon=DEDUP_HORIZON,
        replay_min_partitions=8,
    )
    run_version(settings, 1, options)  # the first version goes into service once caught up


@pytest.fixture(params=["lambda", "kappa"])
def architecture(request, kafka, topic, spark, tmp_path):
    """The same stream (late, duplicate and malformed records) through one architecture."""
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    scenario = SCENARIOS["dirty"].with_overrides(acceleration=600.0, late_max_seconds=30.0)
    records = generate(scenario, seed=51, events=4000)
    send_records(records, kafka.bootstrap, topic, paced=False, total=None)
    {"lambda": run_lambda, "kappa": run_kappa_v1}[request.param](settings)
    truth = compute_truth(settings)
    refresh_catalog(settings)
    return request.param, settings, truth["records_read"]


def assert_each_record_read_once(name: str, settings, records: int) -> None:
    """One query per job: the records its micro-batches read add up to the log, once."""
    layout = Layout(settings.data_dir)
    job = layout.speed if name == "lambda" else layout.kappa_version(1)
    progress = [json.loads(f.read_text()) for f in (job.progress / "query").glob("*.json")]
    assert sum(batch["input_rows"] for batch in progress) == records
    latest = json.loads((job.progress / "latest.json").read_text())
    assert latest["records"] == records


def test_both_architectures_serve_the_oracle_rows(architecture):
    name, settings, records = architecture
    assert_each_record_read_once(name, settings, records)
    report = compare_with_truth(settings, name)
    assert report["horizon"] is not None  # Lambda's H, or the watermark of Kappa's version
    assert report["dropped_late"] == report["duplicates_counted"] == 0
    for view in VIEWS:
        final = report[view]["complete"]
        assert final["missing"] == final["extra"] == 0, (name, view, final)
        assert final["matching"] > 0 or view == "user_totals", (name, view)
        open_rows = report[view]["open"]  # rows still open are served, and exact too
        assert open_rows["missing"] == open_rows["extra"] == 0, (name, view, open_rows)
        assert open_rows["matching"] > 0, (name, view)
    printed = format_comparison({name: report}).splitlines()
    assert len(printed) == 3 + 4 * 2 and printed[1].startswith(f"{name}: rows final up to")
    assert (
        printed[2]
        == f"{name}: its stream dropped 0 late events and counted 0 re-sent duplicates again"
    )
