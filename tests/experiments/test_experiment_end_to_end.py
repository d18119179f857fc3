"""A small experiment end to end on the real broker, Spark jobs in processes of their own and
the batch layer on a schedule: `baseline` ends exact in both architectures, and results.json
holds every metric the report shows."""

from __future__ import annotations

import json

import pytest

from experiments.experiment.experiment import run_experiment
from experiments.experiment.plan import Plan
from experiments.experiment.scenarios import experiment_scenario

pytestmark = pytest.mark.slow

EVERY_RUN = (
    "window_latency_p50_s", "window_latency_p95_s", "window_latency_p99_s", "accuracy_final",
    "late_events_dropped", "rejected_records", "recompute_seconds", "recompute_events_per_s",
    "code_lines", "jobs_to_operate",
)  # fmt: skip
COMPONENTS = {"lambda": ("speed", "batch", "batch-recompute"), "kappa": ("kappa", "kappa-replay")}


def test_a_baseline_experiment_ends_exact_in_both_architectures(kafka, tmp_path):
    plan = Plan(
        experiment_scenario("baseline"),
        events=1_500,
        rate=150.0,
        batch_interval=15.0,
        settle_timeout=900.0,
    )
    out = tmp_path / "experiment"
    states: list[dict] = []
    results = run_experiment(kafka, plan, out, states.append)  # kafka: the broker's settings

    assert json.loads((out / "results.json").read_text()) == json.loads(json.dumps(results))
    metrics = {(m["architecture"], m["metric"]): m["value"] for m in results["metrics"]}
    for architecture in ("lambda", "kappa"):
        for metric in EVERY_RUN:
            assert (architecture, metric) in metrics, (architecture, metric)
        assert metrics[(architecture, "accuracy_final")] == 1.0, architecture
        assert metrics[(architecture, "late_events_dropped")] == 0
        assert metrics[(architecture, "window_latency_p50_s")] > 0
        for component in COMPONENTS[architecture]:
            assert metrics[(architecture, f"cpu_seconds:{component}")] > 0, component
            assert metrics[(architecture, f"peak_rss_bytes:{component}")] > 0, component
    assert metrics[("shared", "cpu_seconds:kafka")] > 0
    assert results["runs"][0]["ended_by"] == "settled"
    assert results["runs"][0]["recompute"]["records"] == results["runs"][0]["sent"]["records"]
    final = [s for s in results["series"] if s.get("view", "all") == "all"]
    assert {s["architecture"] for s in final} == {"lambda", "kappa"}
    assert any("batch run" in mark["what"] for mark in results["marks"])
    assert {state["phase"] for state in states} >= {"streaming", "settling", "recompute"}
    page = (out / "report.html").read_text()
    assert "plotly" in page and "accuracy" in page.lower()
