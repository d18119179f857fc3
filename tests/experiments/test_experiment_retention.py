"""The `retention` scenario end to end, small, on the real broker and Spark: after the live
phase the topic's retention deletes the oldest half of the log; Lambda's rebuild from its master
dataset serves the full stream exactly, Kappa's replay of what the log kept cannot."""

from __future__ import annotations

import pytest

from core.kafka_client import delete_topic, list_topics, topic_config
from experiments.experiment.experiment import run_experiment
from experiments.experiment.findings import findings
from experiments.experiment.plan import Plan
from experiments.experiment.retention import retention_topic_config
from experiments.experiment.scenarios import experiment_scenario

pytestmark = pytest.mark.slow


def test_lambda_rebuilds_what_retention_deleted_and_a_kappa_replay_cannot(kafka, tmp_path):
    scenario = experiment_scenario("retention")
    # 12 s of sending in 1 s segments (one batch run, after it); retention takes the first 6 s
    plan = Plan(scenario, events=720, rate=60.0, batch_interval=15.0, keep_topic=True)
    assert retention_topic_config(plan.send_seconds, scenario.retention) == {"segment.ms": "1000"}
    results = run_experiment(kafka, plan, tmp_path / "retention", lambda state: None)

    run = results["runs"][0]
    assert run["ended_by"] == "settled"
    figures = run["recompute"]["retention"]
    sent = run["sent"]["records"]
    deleted = figures["records_deleted"]
    # whole segments go: some of the log's head, not its newest part (the cut comes up to a
    # retention check, 1 s, after the 6 s asked for)
    assert 0 < deleted < sent * 0.75
    assert deleted == sum(figures["log_start_offsets"].values())
    # the Kappa replay read exactly what the log kept
    assert run["recompute"]["records"] == sent - deleted
    metrics = {(m["architecture"], m["metric"]): m["value"] for m in results["metrics"]}
    assert metrics[("shared", "records_deleted_by_retention")] == deleted
    # live, before retention, both were exact; after it, only Lambda's rebuild is
    assert metrics[("lambda", "accuracy_final")] == metrics[("kappa", "accuracy_final")] == 1.0
    assert metrics[("lambda", "rebuild_accuracy")] == 1.0
    assert metrics[("kappa", "rebuild_accuracy")] < 1.0
    assert any("After retention deleted" in line for line in findings(results))
    assert any(mark["what"] == f"retention deleted {deleted} records (the log's head before "
               f"{figures['cut_s']:.1f} s)" for mark in results["marks"])  # fmt: skip
    # retention is set back to keep everything: nothing more goes after the cut
    topics = [t for t in list_topics(kafka.bootstrap) if t.startswith("lk-experiment-retention-")]
    try:
        assert topics and all(
            topic_config(kafka.bootstrap, topic)["retention.ms"] == "-1" for topic in topics
        )
    finally:  # the shared broker's groups (lk-speed, ...) must not keep offsets of this topic
        for topic in topics:
            delete_topic(kafka.bootstrap, topic)
