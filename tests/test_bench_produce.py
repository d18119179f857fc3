"""`lk bench produce` runs Kafka's own perf tools beside our producer (figures, not timings)."""

import pytest

from core.kafka_client import list_topics
from experiments.bench_produce import run_bench_produce
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
