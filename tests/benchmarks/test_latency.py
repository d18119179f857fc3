"""`lk bench latency`: window latency per rate and architecture against a bare Spark query, on a
real broker, real streaming jobs and real Spark; and how steps are cut and judged."""

import json
from dataclasses import replace

import pyarrow as pa
import pytest

from benchmarks.latency.bench import plot_latency, run_bench_latency
from benchmarks.latency.run import Step, catch_up_bound
from benchmarks.latency.steps import COLD, highest_sustainable, step_figures
from experiments.experiment.timeline import CHANGES_SCHEMA, SAMPLES_SCHEMA, TRUTH_ROWS_SCHEMA
from lk.cli import main
from lk.output import write_figures


def test_a_bad_rate_is_refused_in_one_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["bench", "latency", "--rates", "1000,fast"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error == "lk bench latency: error: argument --rates: 'fast' is not a rate in events/s"


def test_windows_belong_to_the_step_of_their_last_event():
    warm_up = replace(_step(100.0, 980.0, 990.0), warmup=True)
    steps = [warm_up, _step(100.0, 1000.0, 1010.0), _step(200.0, 1020.0, 1030.0)]
    truth = pa.Table.from_pylist(
        [_truth("w", 985.0), _truth("a", 1005.0), _truth("b", 1025.0), _truth("c", 1026.0)],
        schema=TRUTH_ROWS_SCHEMA,
    )
    changes = pa.Table.from_pylist(
        [_change(arch, key, t) for arch in ("lambda", "kappa")
         for key, t in (("w", 997.0), ("a", 1007.0), ("b", 1026.0), ("c", 1030.0))],
        schema=CHANGES_SCHEMA,
    )  # fmt: skip
    samples = pa.Table.from_pylist(
        [{"t": t, "architecture": arch, "ok": True, "lag": lag}
         for arch in ("lambda", "kappa")
         for t, lag in ((1009.0, 50), (1012.0, 0), (1029.0, 80), (1036.0, 40), (1060.0, 0))],
        schema=SAMPLES_SCHEMA,
    )  # fmt: skip
    found = step_figures(changes, samples, truth, steps)["lambda"]
    assert found[100.0]["rows"] == 1 and found[100.0]["p50_s"] == pytest.approx(2.0)
    assert found[200.0]["rows"] == 2 and found[200.0]["p99_s"] == pytest.approx(4.0)
    assert found[100.0]["lag_max"] == 50 and found[100.0]["catch_up_s"] == pytest.approx(2.0)
    assert found[200.0]["catch_up_s"] == pytest.approx(30.0)
    assert catch_up_bound(10.0) < 30.0
    assert [found[r]["sustainable"] for r in (100.0, 200.0)] == [True, False]
    assert highest_sustainable(found) == 100.0
    assert found[COLD]["rows"] == 1 and found[COLD]["p50_s"] == pytest.approx(12.0)


@pytest.mark.slow
def test_latency_per_rate_as_ratios_to_the_reference(kafka, spark, tmp_path, capsys):
    settings = replace(kafka, data_dir=tmp_path / "data")
    figures = run_bench_latency(settings, rates=[200.0], seconds=6.0, warmup=4.0)

    assert figures["reference_200_events"] > 0
    for series in ("reference", "lambda", "kappa"):
        p50, p95, p99 = (figures[f"{series}_200_{p}_s"] for p in ("p50", "p95", "p99"))
        assert 0 < p50 <= p95 <= p99, series
    for architecture in ("lambda", "kappa"):
        assert figures[f"{architecture}_200_windows"] > 0
        for p in ("p50", "p95", "p99"):
            ratio = figures[f"{architecture}_200_ratio_{p}_to_reference"]
            expected = figures[f"{architecture}_200_{p}_s"] / figures[f"reference_200_{p}_s"]
            assert ratio == pytest.approx(expected, rel=0.03)  # both rounded from one run
        assert figures[f"{architecture}_200_lag_max"] >= 0
        assert figures[f"{architecture}_highest_sustainable_events_per_second"] in (0, 200)
        assert figures["lag"][architecture]["lag"]
        # Cold: the windows of the warm-up step, the first seconds after the jobs started.
        assert f"{architecture}_cold_p50_s" in figures
        cold, base = figures[f"{architecture}_cold_p50_s"], figures["reference_cold_p50_s"]
        if cold is not None and base:
            ratio = figures[f"{architecture}_cold_ratio_p50_to_reference"]
            assert ratio == pytest.approx(cold / base, rel=0.03)
    assert "reference_cold_p50_s" in figures
    assert not (tmp_path / "data" / "bench").exists() or not any(
        (tmp_path / "data" / "bench").iterdir()
    )

    page = write_figures(figures, tmp_path / "latency.json", plot=plot_latency)
    written = json.loads((tmp_path / "latency.json").read_text())
    assert written["lambda_200_p50_s"] == figures["lambda_200_p50_s"]
    assert page is not None and "plotly" in page.read_text()[:100_000].lower()
    assert "series: in the JSON" in capsys.readouterr().out


def _step(rate: float, started: float, ended: float) -> Step:
    return Step(rate, ended - started, started=started, ended=ended, records=int(rate * 10))


def _truth(key: str, last_append: float) -> dict:
    return {"view": "action_counts", "key": key, "value": "1", "last_append": last_append}


def _change(architecture: str, key: str, t: float) -> dict:
    return {"t": t, "architecture": architecture, "view": "action_counts", "key": key, "value": "1"}
