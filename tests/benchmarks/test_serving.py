"""`lk bench serving`: lk query latency on the merged views under write against idle, on a real
broker, the real speed layer and Kappa job, and the real DuckDB catalog."""

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from benchmarks.serving.bench import plot_serving, run_bench_serving
from benchmarks.serving.queries import serving_queries
from lk.cli import main
from lk.output import write_figures


def test_a_bad_rate_is_refused_in_one_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["bench", "serving", "--rate", "-5"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error == "lk bench serving: error: argument --rate: '-5' must be greater than 0"


def test_the_queries_cover_a_point_a_top_n_and_every_view_of_both():
    queries = serving_queries(datetime(2026, 1, 1, 0, 0, 42, tzinfo=UTC))
    assert "TIMESTAMP '2026-01-01 00:00:00'" in queries["lambda_point"]
    assert "LIMIT 10" in queries["kappa_top10"]
    assert len([name for name in queries if "_scan_" in name]) == 8


@pytest.mark.slow
def test_query_latency_under_write_against_idle(kafka, tmp_path, capsys):
    settings = replace(kafka, data_dir=tmp_path / "data")
    figures = run_bench_serving(settings, rate=200.0, seconds=4.0)

    assert figures["failed_write"] == figures["failed_idle"] == 0, figures["failure_reasons"]
    assert figures["queries_write"] == figures["queries_idle"] >= 12
    for query in serving_queries(datetime(2026, 1, 1, tzinfo=UTC)):
        for phase in ("idle", "write"):
            p50, p99 = figures[f"{query}_{phase}_p50_s"], figures[f"{query}_{phase}_p99_s"]
            assert 0 < p50 <= p99, (query, phase)
        for p in ("p50", "p99"):
            expected = figures[f"{query}_write_{p}_s"] / figures[f"{query}_idle_{p}_s"]
            assert figures[f"{query}_ratio_{p}"] == pytest.approx(expected, rel=0.03)
    assert figures["all_ratio_p50"] > 0 and figures["all_ratio_p99"] > 0

    page = write_figures(figures, tmp_path / "serving.json", plot=plot_serving)
    written = json.loads((tmp_path / "serving.json").read_text())
    assert set(written["latencies"]) == {"idle", "write"}
    assert page is not None and page.exists()
    assert "series: in the JSON" in capsys.readouterr().out
