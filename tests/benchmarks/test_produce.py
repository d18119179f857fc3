"""`lk bench produce` runs Kafka's own perf tools beside our producer (figures, not timings)."""

import json

import pytest

from benchmarks.produce.bench import run_bench_produce
from core.kafka_client import list_topics
from lk.output import format_figures

pytestmark = pytest.mark.slow


def test_bench_produce_reports_ratios_and_cleans_up(kafka):
    figures = run_bench_produce(kafka, events=3_000, partitions=2)
    assert figures["records"] > 3_000  # duplicates and malformed records ride along
    for key in (
        "lk_produce_records_per_second",
        "producer_performance_records_per_second",
        "consumer_performance_records_per_second",
    ):
        assert figures[key] > 0
    assert figures["ratio_lk_produce_to_producer_performance"] == pytest.approx(
        figures["lk_produce_records_per_second"]
        / figures["producer_performance_records_per_second"],
        rel=0.01,
    )
    assert "ratio_lk_produce_to_producer_performance" in format_figures(figures)
    assert not [t for t in list_topics(kafka.bootstrap) if t.startswith("bench-")]


def test_bench_produce_repeats_and_writes_json(kafka, tmp_path, capsys):
    from lk.cli import main

    out = tmp_path / "figures" / "produce.json"
    argv = ["bench", "produce", "--events", "1000", "--partitions", "2", "--repeat", "2"]
    code = main([*argv, "--out", str(out), "--bootstrap", kafka.bootstrap])
    assert code == 0
    figures = json.loads(out.read_text())
    assert figures["repeat"] == 2 and figures["generate_seconds"] > 0
    assert figures["producer_library"].startswith("confluent-kafka ")
    for name in (
        "lk_produce_records_per_second",
        "producer_performance_records_per_second",
        "ratio_lk_produce_to_producer_performance",
    ):
        assert figures[f"{name}_min"] <= figures[name] <= figures[f"{name}_max"]
    assert "lk_produce_records_per_second_max" in capsys.readouterr().out
    assert "lk bench produce" in out.with_suffix(".html").read_text()  # the plot beside it
