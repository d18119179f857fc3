"""`lk bench lambda` and `lk bench replay` on small inputs: every figure is there, the ratios
are the ratios of the figures, repeated runs report median, min and max, the figures go to a
JSON file, and the runs leave no topic or data behind (no timings asserted)."""

import json
from dataclasses import replace

import pytest

from benchmarks.lambda_layers.bench import run_bench_lambda
from benchmarks.replay.bench import run_bench_replay
from core.kafka_client import list_topics
from lk.cli import main
from lk.output import format_figures

pytestmark = pytest.mark.slow


def assert_spread(figures: dict, name: str) -> None:
    """A figure of two runs: its median between its min and max, all positive."""
    assert 0 < figures[f"{name}_min"] <= figures[name] <= figures[f"{name}_max"], name


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


def test_bench_replay_repeats_and_writes_json(kafka, spark, tmp_path, capsys):
    out = tmp_path / "figures" / "replay.json"
    argv = ["bench", "replay", "--events", "1500", "--replay-max-offsets", "1000"]
    common = ["--data-dir", str(tmp_path), "--bootstrap", kafka.bootstrap]
    assert main([*argv, "--repeat", "2", "--out", str(out), *common]) == 0
    figures = json.loads(out.read_text())
    assert figures["repeat"] == 2 and figures["records"] >= 1_500
    for name in (
        "replay_records_per_second",
        "consumer_performance_records_per_second",
        "spark_batch_views_records_per_second",
        "ratio_replay_to_consumer_performance",
        "ratio_replay_to_spark_batch_views",
    ):
        assert_spread(figures, name)
    assert figures["environment_cores"] > 0 and "environment_git_commit" in figures
    assert "ratio_replay_to_spark_read_max" in capsys.readouterr().out
    assert "lk bench replay" in out.with_suffix(".html").read_text()  # the plot beside it
    assert not [t for t in list_topics(kafka.bootstrap) if t.startswith("bench-")]
    assert not any((tmp_path / "bench").iterdir())


def test_bench_lambda_repeats_and_writes_json(kafka, spark, tmp_path):
    out = tmp_path / "lambda.json"
    argv = ["bench", "lambda", "--events", "1000", "--rate", "300", "--stream-seconds", "3"]
    common = ["--data-dir", str(tmp_path), "--bootstrap", kafka.bootstrap]
    assert main([*argv, "--repeat", "2", "--out", str(out), *common]) == 0
    figures = json.loads(out.read_text())
    assert figures["repeat"] == 2
    for name in (
        "batch_events_per_second",
        "ratio_batch_to_consumer_performance",
        "speed_latency_p99_ms",
        "reference_latency_p99_ms",
        "ratio_speed_p99_to_reference",
    ):
        assert_spread(figures, name)
    assert figures["environment_memory_bytes"] > 0
    assert "lk bench lambda" in out.with_suffix(".html").read_text()  # the plot beside it
    assert not [t for t in list_topics(kafka.bootstrap) if t.startswith("bench-")]
