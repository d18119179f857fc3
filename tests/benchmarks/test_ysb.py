"""`lk bench ysb`: YSB's latency arithmetic and second opinion, and one short run of both
architectures on the real broker and Spark whose counts equal the independent count."""

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from benchmarks.ysb.generator import campaign_map, generate_ysb
from benchmarks.ysb.published import PUBLISHED, published_rows
from benchmarks.ysb.truth import (
    differences,
    final_counts,
    lambda_served,
    percentiles,
    truth_counts,
    window_latencies,
)
from workloads.records import Record


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def test_truth_counts_views_per_campaign_and_10_second_window():
    campaigns = campaign_map(1)
    events = list(generate_ysb(1, rate=100, seconds=30, start_ms=1_000_005_000))
    counts = truth_counts(events, dict(campaigns))
    views = [json.loads(r.value) for r in events if b'"event_type":"view"' in r.value]
    assert sum(counts.values()) == len(views)
    assert {start % 10_000 for _, start in counts} == {0}
    assert {campaign for campaign, _ in counts} <= {c for _, c in campaigns}


def test_truth_counts_ignores_non_views_and_buckets_by_event_time():
    def event(kind: str, ms: int) -> Record:
        value = {"ad_id": "a", "event_type": kind, "event_time": str(ms)}
        return Record(None, json.dumps(value).encode(), "event")

    records = [event("view", 19_999), event("view", 20_000), event("click", 20_001)]
    assert truth_counts(records, {"a": "c"}) == {("c", 10_000): 1, ("c", 20_000): 1}


def test_latency_is_the_last_update_minus_the_window_end_for_windows_ended_while_sending():
    rows = [
        {"campaign_id": "c", "window_start": at(0), "window_end": at(10_000),
         "views": 1, "updated_at_ms": 10_400, "batch_id": 1},
        {"campaign_id": "c", "window_start": at(0), "window_end": at(10_000),
         "views": 2, "updated_at_ms": 11_500, "batch_id": 2},
        {"campaign_id": "c", "window_start": at(10_000), "window_end": at(20_000),
         "views": 1, "updated_at_ms": 14_000, "batch_id": 2},
    ]  # fmt: skip
    assert window_latencies(rows, (2_000, 15_000)) == [1_500.0]  # the open window is left out
    assert final_counts(rows) == {("c", 0): 2, ("c", 10_000): 1}


def test_lambda_serves_batch_counts_up_to_the_horizon_and_stream_counts_after():
    stream = {("c", 0): 1, ("c", 10_000): 5}
    batch = {("c", 0): 2, ("c", 10_000): 4}
    served = lambda_served(stream, batch, horizon_ms=10_000)
    assert served == {("c", 0): 2, ("c", 10_000): 5}
    assert differences(served, {("c", 0): 2, ("c", 10_000): 5}) == 0
    assert differences(served, {("c", 0): 2}) == 1


def test_percentiles_are_ordered_and_none_without_values():
    found = percentiles([float(v) for v in range(1, 101)])
    assert (found[50], found[90], found[99]) == (50.0, 90.0, 99.0)  # observed values
    assert percentiles([]) == {50: None, 90: None, 99: None}


def test_every_published_row_has_a_set_up_and_a_source():
    for row in published_rows():
        assert row["setup"] and row["source"] and row["nodes"] > 0, row["system"]
    assert {"Storm", "Flink", "Spark"} <= {row["system"].split()[0] for row in PUBLISHED}


@pytest.mark.slow
def test_both_architectures_count_every_window_like_the_independent_count(
    kafka, spark, tmp_path
):
    from benchmarks.ysb.bench import run_bench_ysb
    from benchmarks.ysb.published import plot_ysb
    from lk.output import write_figures

    settings = replace(kafka, data_dir=tmp_path / "data")
    figures = run_bench_ysb(settings, rate=100, seconds=12)
    assert figures["events"] == 1200 and figures["windows"] > 0
    assert figures["kappa_exact"] and figures["kappa_windows_wrong"] == 0
    assert figures["lambda_exact"] and figures["lambda_batch_equals_stream"]
    assert figures["windows_measured"] > 0
    for prefix in ("latency", "reference_latency"):
        p50, p90, p99 = (figures[f"{prefix}_p{p}_ms"] for p in (50, 90, 99))
        assert p50 is not None and p50 <= p90 <= p99
    assert figures["processed_events_per_second"] > 0
    assert figures["published_1"].startswith("Storm")

    page = write_figures(figures, tmp_path / "ysb.json", plot=plot_ysb)
    assert json.loads((tmp_path / "ysb.json").read_text())["kappa_exact"] is True
    assert page is not None and "plotly" in page.read_text()[:100_000].lower()
    assert not list((tmp_path / "data" / "bench").iterdir())  # every run removed its workspace
