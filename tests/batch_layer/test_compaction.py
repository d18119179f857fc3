"""Compaction merges the runs' small files without losing or repeating a record, leaves the batch
views unchanged, is idempotent, leaves nothing visible when it dies, and never removes files a
reader still holds."""

from dataclasses import replace
from datetime import datetime

import pytest

from batch_layer import compaction as compaction_module
from batch_layer.batch_views import compute_views
from batch_layer.compaction import compact
from batch_layer.ingest import ingest
from batch_layer.master_dataset import (
    EVENTS,
    committed_runs,
    compactions,
    event_folders,
    master_events,
    reading,
)
from core.layout import Layout
from views.catalog import VIEW_NAMES
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow


def ingest_run(spark, settings, seed: int, start: str, events: int = 600) -> None:
    """One ingest run of `events` dirty events starting at event time `start` (no compaction)."""
    scenario = SCENARIOS["dirty"].with_overrides(start=datetime.fromisoformat(start))
    records = list(generate(scenario, seed=seed, events=events))
    send_records(records, settings.bootstrap, settings.topic, paced=False, total=None)
    assert ingest(spark, settings, compact_after=None)["run"] is not None


def stored_rows(spark, settings) -> list[tuple]:
    """Every stored column of every master-dataset row, sorted: the dataset as a multiset."""
    rows = master_events(spark, settings, stored=True).collect()
    return sorted(tuple(row) for row in rows)


def view_rows(spark, settings) -> dict[str, list[tuple]]:
    """Each batch view's rows (without processed_at), sorted, from a freshly staged version."""
    staged = compute_views(spark, settings)
    folder = staged["staging"]
    return {
        name: sorted(
            tuple(row)
            for row in spark.read.parquet(f"{folder}/{name}").drop("processed_at").collect()
        )
        for name in VIEW_NAMES
    }


def event_files(layout: Layout) -> int:
    return sum(1 for folder in event_folders(layout) for _ in folder.rglob("*.parquet"))


@pytest.fixture
def three_runs(kafka, topic, spark, tmp_path):
    """Settings whose master dataset holds three runs over three event hours (the third run
    writes into the first run's hour again)."""
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    ingest_run(spark, settings, 1, "2026-01-01T00:10:00+00:00")
    ingest_run(spark, settings, 2, "2026-01-01T01:10:00+00:00")
    ingest_run(spark, settings, 3, "2026-01-01T00:40:00+00:00")
    return settings


def test_compaction_keeps_every_record_and_the_views_and_merges_files(spark, three_runs):
    settings, layout = three_runs, Layout(three_runs.data_dir)
    before, views_before = stored_rows(spark, settings), view_rows(spark, settings)
    files_before = event_files(layout)

    result = compact(spark, settings)
    assert result["compacted"] and result["through_run"] == 3 and result["runs_merged"] == 3
    assert result["records"] == len(before)
    assert stored_rows(spark, settings) == before
    assert view_rows(spark, settings) == views_before
    hours = result["hours_rewritten"]
    assert event_files(layout) == result["files_after"] == hours < files_before
    assert event_folders(layout) == [layout.ingest / "compacted=000003" / EVENTS]
    assert not any((folder / EVENTS).exists() for _, folder in committed_runs(layout))
    assert all((folder / "offsets.json").exists() for _, folder in committed_runs(layout))

    again = compact(spark, settings)  # nothing new: nothing done, nothing changed
    assert not again["compacted"] and again["runs_merged"] == 0
    assert stored_rows(spark, settings) == before


def test_a_later_compaction_rewrites_only_the_hours_new_runs_touched(kafka, spark, three_runs):
    settings, layout = three_runs, Layout(three_runs.data_dir)
    compact(spark, settings)
    ingest_run(spark, settings, 4, "2026-01-01T02:20:00+00:00")  # a new hour only
    before, views_before = stored_rows(spark, settings), view_rows(spark, settings)

    result = compact(spark, settings)
    assert result["through_run"] == 4 and result["runs_merged"] == 1
    assert result["hours_rewritten"] >= 1 and result["hours_linked"] >= 1
    assert stored_rows(spark, settings) == before
    assert view_rows(spark, settings) == views_before
    assert [number for number, _ in compactions(layout)] == [4]  # the older one retired


def test_a_compaction_killed_before_its_commit_leaves_the_dataset_as_it_was(
    spark, three_runs, monkeypatch
):
    settings, layout = three_runs, Layout(three_runs.data_dir)
    before = stored_rows(spark, settings)

    def die(*args, **kwargs):
        raise RuntimeError("killed after writing, before the rename")

    monkeypatch.setattr(compaction_module, "publish_dir", die)
    with pytest.raises(RuntimeError):
        compact(spark, settings)
    assert compactions(layout) == []
    assert stored_rows(spark, settings) == before

    monkeypatch.undo()
    assert compact(spark, settings)["compacted"]
    assert stored_rows(spark, settings) == before
    assert [p.name for p in (layout.ingest / compaction_module.WORK).iterdir()] == []


def test_files_a_reader_holds_are_removed_only_after_it_is_done(spark, three_runs):
    settings, layout = three_runs, Layout(three_runs.data_dir)
    before = stored_rows(spark, settings)
    with reading(layout):  # a batch job reading the runs' files
        result = compact(spark, settings)
        assert result["compacted"] and result["retired"] == 0
        assert all((folder / EVENTS).exists() for _, folder in committed_runs(layout))
        assert stored_rows(spark, settings) == before  # superseded files are not read twice
    later = compact(spark, settings)  # nothing to merge, but the leftovers go now
    assert not later["compacted"] and later["retired"] == 3
    assert stored_rows(spark, settings) == before


def test_ingest_compacts_once_enough_runs_wait(kafka, topic, spark, tmp_path):
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    for seed, start in ((5, "2026-01-01T00:00:00+00:00"), (6, "2026-01-01T00:30:00+00:00")):
        records = list(
            generate(SCENARIOS["steady"].with_overrides(start=datetime.fromisoformat(start)),
                     seed=seed, events=300)
        )  # fmt: skip
        send_records(records, settings.bootstrap, settings.topic, paced=False, total=None)
        result = ingest(spark, settings, compact_after=2)
    assert result["compaction"]["compacted"] and result["compaction"]["through_run"] == 2
    assert master_events(spark, settings).count() == 600
