"""`lk bench lambda` and `lk bench replay` on small inputs: every figure is there, the ratios
are the ratios of the figures, and the runs leave no topic or data behind (no timings asserted)."""

from dataclasses import replace

import pytest

from core.kafka_client import list_topics
from experiments.bench_lambda import run_bench_lambda
from experiments.bench_replay import run_bench_replay
from lk.output import format_figures

pytestmark = pytest.mark.slow


def test_bench_lambda_reports_batch_rate_and_speed_latency(kafka, spark, tmp_path):
    settings = replace(kafka, data_dir=tmp_path)
    figures = run_bench_lambda(settings, events=2_000, rate=300, stream_seconds=4)
    assert figures["records"] >= 2_000
    assert figures["batch_events_per_second"] > 0
    assert figures["ratio_batch_to_consumer_performance"] == pytest.approx(
        figures["batch_events_per_second"] / figures["consumer_performance_records_per_second"],
        rel=0.01,
    )
    assert figures["speed_micro_batches"] > 0
    assert figures["speed_latency_p99_ms"] >= figures["speed_latency_p50_ms"] > 0
    assert "ratio_speed_p50_to_reference" in format_figures(figures)
    assert not [t for t in list_topics(kafka.bootstrap) if t.startswith("bench-")]
    assert not any((tmp_path / "bench").iterdir())


def test_bench_replay_reports_its_ratio_to_consumer_performance(kafka, spark, tmp_path):
    settings = replace(kafka, data_dir=tmp_path)
    figures = run_bench_replay(settings, events=3_000, replay_max_offsets=1_000)
    assert figures["records"] >= 3_000
    assert figures["replay_micro_batches"] >= 3
    assert figures["ratio_replay_to_consumer_performance"] == pytest.approx(
        figures["replay_records_per_second"] / figures["consumer_performance_records_per_second"],
        rel=0.01,
    )
    assert figures["spark_batch_views_records_per_second"] > 0
    assert figures["ratio_replay_to_spark_batch_views"] == pytest.approx(
        figures["replay_records_per_second"] / figures["spark_batch_views_records_per_second"],
        rel=0.01,
    )
    assert not [t for t in list_topics(kafka.bootstrap) if t.startswith("bench-")]
    assert not any((tmp_path / "bench").iterdir())
