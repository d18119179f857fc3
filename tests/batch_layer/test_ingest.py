"""Ingest is exactly once: runs continue from committed offsets, a failed run leaves no trace."""

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from batch_layer import ingest as ingest_module
from batch_layer.ingest import committed_runs, ingest
from batch_layer.master_dataset import master_events
from core.layout import STAGING, Layout
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow


def send(settings, seed: int, events: int, scenario: str = "dirty") -> list:
    records = list(generate(SCENARIOS[scenario], seed=seed, events=events))
    send_records(records, settings.bootstrap, settings.topic, paced=False, total=None)
    return records


def rejected_count(spark, settings) -> int:
    folders = [str(f / "rejected") for _, f in committed_runs(Layout(settings.data_dir))]
    return spark.read.option("recursiveFileLookup", "true").parquet(*folders).count()


def test_runs_continue_from_committed_offsets_and_never_duplicate(kafka, topic, spark, tmp_path):
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    first = send(settings, seed=1, events=2000)

    run1 = ingest(spark, settings)
    assert run1["run"] == 1
    assert run1["records"] == len(first)
    assert run1["events"] + run1["rejected"] == run1["records"]
    assert run1["rejected"] == sum(1 for r in first if r.kind == "malformed")
    assert run1["rejected"] > 0

    again = ingest(spark, settings)  # nothing new: no run, nothing read twice
    assert again["run"] is None and again["records"] == 0

    second = send(settings, seed=2, events=1000)
    run2 = ingest(spark, settings)
    assert run2["run"] == 2
    assert run2["start"] == run1["end"]
    assert run2["records"] == len(second)

    total = len(first) + len(second)
    malformed = sum(1 for r in first + second if r.kind == "malformed")
    assert master_events(spark, settings).count() == total - malformed
    assert rejected_count(spark, settings) == malformed


def test_a_run_that_dies_before_its_commit_leaves_nothing(
    kafka, topic, spark, tmp_path, monkeypatch
):
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    records = send(settings, seed=3, events=1500)

    def die(*args, **kwargs):
        raise RuntimeError("killed after writing the events, before the commit")

    monkeypatch.setattr(ingest_module, "_write_rejected", die)
    with pytest.raises(RuntimeError):
        ingest(spark, settings)
    layout = Layout(settings.data_dir)
    assert committed_runs(layout) == []
    assert (layout.ingest / STAGING).exists()  # its half-written files, invisible to readers
    assert master_events(spark, settings).count() == 0

    monkeypatch.undo()
    retried = ingest(spark, settings)
    assert retried["run"] == 1 and retried["records"] == len(records)
    malformed = sum(1 for r in records if r.kind == "malformed")
    assert master_events(spark, settings).count() == len(records) - malformed
    assert not any((layout.ingest / STAGING).iterdir())


def test_until_takes_exactly_the_records_ingested_before_it(kafka, topic, spark, tmp_path):
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    before = send(settings, seed=4, events=800, scenario="steady")
    time.sleep(0.05)
    cut = datetime.now(UTC)
    time.sleep(0.05)
    send(settings, seed=5, events=700, scenario="steady")

    run = ingest(spark, settings, until=cut)
    assert run["records"] == len(before)
    assert ingest(spark, settings, until=cut)["records"] == 0  # the same interval again: a no-op
    rest = ingest(spark, settings)
    assert rest["records"] == 700
