"""A tiny study end to end on the real broker, Spark jobs in processes of their own and the
batch layer on a schedule: two scenarios, two repeats each, small streams. Each repeat is a
stream of its own; `baseline` ends exact in both architectures with every metric the report
shows (disk bytes included); study.json, each results.json and study.html are written, and the
verdict's numbers are the results' own."""

from __future__ import annotations

import json
import statistics

import pytest

from experiments.study.dimensions import DIMENSIONS, RECOMPUTED_IN
from experiments.study.gather import load_study, study_verdicts
from experiments.study.plan import StudyPlan
from experiments.study.run import run_study

pytestmark = pytest.mark.slow

EVERY_RUN = (
    "window_latency_p50_s", "window_latency_p95_s", "window_latency_p99_s", "accuracy_final",
    "late_events_dropped", "rejected_records", "recompute_seconds", "recompute_events_per_s",
    "code_lines", "jobs_to_operate", "disk_peak_bytes", "disk_end_bytes",
)  # fmt: skip
COMPONENTS = {"lambda": ("speed", "batch", "batch-recompute"), "kappa": ("kappa", "kappa-replay")}


def test_a_tiny_study_runs_every_scenario_and_repeat_and_judges(kafka, tmp_path):
    plan = StudyPlan(scenarios=("baseline", "failure"), repeat=2, events=600, rate=120.0,
                     batch_interval=10.0, settle_timeout=600.0)  # fmt: skip
    out = tmp_path / "study"
    states: list[dict] = []
    study = run_study(kafka, plan, out, states.append)  # kafka: the broker's settings

    assert json.loads((out / "study.json").read_text()) == json.loads(json.dumps(study))
    assert [entry["name"] for entry in study["scenarios"]] == ["baseline", "failure"]
    assert study["where"]["brokers"] == 1 and study["where"]["bootstrap"] == kafka.bootstrap
    _, results = load_study(out)
    for name in ("baseline", "failure"):
        runs = results[name]["runs"]
        assert [run["repeat"] for run in runs] == [1, 2]
        assert runs[0]["seed"] != runs[1]["seed"]  # a stream of its own per repeat
        assert all(run["ended_by"] == "settled" for run in runs)
        assert (out / name / "report.html").is_file()

    baseline = results["baseline"]
    metrics = {(m["architecture"], m["metric"], m["repeat"]): m["value"]
               for m in baseline["metrics"]}  # fmt: skip
    for repeat in (1, 2):
        for architecture in ("lambda", "kappa"):
            for metric in EVERY_RUN:
                assert (architecture, metric, repeat) in metrics, (architecture, metric, repeat)
            assert metrics[(architecture, "accuracy_final", repeat)] == 1.0, architecture
            assert metrics[(architecture, "late_events_dropped", repeat)] == 0
            assert metrics[(architecture, "disk_peak_bytes", repeat)] > 0
            for component in COMPONENTS[architecture]:
                assert metrics[(architecture, f"cpu_seconds:{component}", repeat)] > 0, component
        assert metrics[("shared", "disk_peak_bytes", repeat)] > 0  # the Kafka log
        # a rebuild writes its output beside the old one: both outputs grow while it runs
        assert metrics[("kappa", "disk_reprocess_ratio", repeat)] > 1.0
        assert metrics[("lambda", "disk_reprocess_ratio", repeat)] > 1.0
    assert {row["architecture"] for row in baseline["disk"]} == {"lambda", "kappa", "shared"}
    for run in baseline["runs"]:
        assert run["recompute"]["records"] == run["sent"]["records"]
    failure = {(m["architecture"], m["metric"]) for m in results["failure"]["metrics"]}
    assert {("lambda", "recovery_seconds"), ("kappa", "recovery_seconds")} <= failure
    # no dimension reads the failure scenario's rebuild, so its repeats skip it
    assert all(run["recompute"] == {} for run in results["failure"]["runs"])
    assert "failure" not in RECOMPUTED_IN and "baseline" in RECOMPUTED_IN

    verdicts = {verdict.dimension.name: verdict for verdict in study_verdicts(results)}
    fresh = verdicts["freshness p50"]
    p50 = [metrics[("lambda", "window_latency_p50_s", k)] for k in (1, 2)]
    assert fresh.summary("lambda")["median"] == pytest.approx(statistics.median(p50))
    assert len(fresh.paired) == 2
    assert "not in the study" in verdicts["late data"].sentence
    page = (out / "study.html").read_text()
    assert page.count('id="study-figure-') >= 2
    assert all(dimension.name in page for dimension in DIMENSIONS)
    assert {state["phase"] for state in states} >= {"streaming", "settling", "recompute"}
