"""`lk bench scale`: the cost-curve fit on literal points, and one real run (broker, Spark,
DuckDB, ConsumerPerformance) at two tiny sizes that writes its figures, their fit and a plot
(no timings asserted)."""

import json

import pytest

from benchmarks.scale.bench import run_bench_scale
from benchmarks.scale.cost_fit import fit_cost, fitted_seconds
from core.errors import LkError
from core.kafka_client import list_topics
from core.settings import Settings
from lk.cli import main


def test_two_sizes_are_fitted_exactly():
    fit = fit_cost([1_000_000, 3_000_000], [30.0, 70.0])
    assert fit == {
        "fixed_seconds": 10.0,
        "seconds_per_million_events": 20.0,
        "events_per_second": 50_000,
        "residual_seconds": 0.0,
    }


def test_three_sizes_have_a_residual_and_no_rate_when_time_falls():
    fit = fit_cost([100, 200, 300], [10.0, 14.0, 12.0])
    assert fit["residual_seconds"] > 0 and fit["events_per_second"] > 0
    falling = fit_cost([100, 200], [10.0, 8.0])
    assert falling["events_per_second"] is None
    assert fitted_seconds(falling, 200) == pytest.approx(8.0)


def test_one_size_is_refused_in_one_line(tmp_path):
    with pytest.raises(LkError, match="at least two sizes"):
        run_bench_scale(Settings.from_env(data_dir=tmp_path), sizes=[1000, 1000])


@pytest.mark.slow
def test_bench_scale_writes_figures_fit_and_plot(kafka, spark, tmp_path):
    out = tmp_path / "figures" / "scale.json"
    argv = ["bench", "scale", "--events", "2000,6000", "--out", str(out)]
    assert main([*argv, "--data-dir", str(tmp_path), "--bootstrap", kafka.bootstrap]) == 0
    figures = json.loads(out.read_text())
    assert figures["sizes"] == [2000, 6000]
    for size in (2000, 6000):
        prefix = f"events_{size}"
        # the log also holds the malformed records the master dataset rejects
        assert figures[f"{prefix}_log_records"] >= figures[f"{prefix}_master_records"] > size
        for name in ("recompute", "duckdb", "replay", "consumer_performance"):
            assert figures[f"{prefix}_{name}_seconds"] > 0
            assert figures[f"{prefix}_{name}_peak_rss_bytes"] > 0
        assert figures[f"{prefix}_recompute_to_duckdb_time"] == pytest.approx(
            figures[f"{prefix}_recompute_seconds"] / figures[f"{prefix}_duckdb_seconds"], rel=0.2
        )  # each side rounded to 0.01 s
        assert figures[f"{prefix}_replay_to_consumer_performance_memory"] > 0
    for name in ("recompute", "duckdb", "replay", "consumer_performance"):
        fit = {key.removeprefix(f"fit_{name}_"): v for key, v in figures.items()
               if key.startswith(f"fit_{name}_")}  # fmt: skip
        assert fit["residual_seconds"] == 0  # two sizes: the line goes through both
        for size in (2000, 6000):
            measured = figures[f"events_{size}_{name}_seconds"]
            assert fitted_seconds(fit, size) == pytest.approx(measured, abs=0.01)
    page = out.with_suffix(".html").read_text()
    assert "lk bench scale: the cost curve" in page and "<script" in page
    assert not [t for t in list_topics(kafka.bootstrap) if t.startswith("bench-")]
