"""Reading the master dataset: a time range reads only the hour folders that can hold it."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from batch_layer.ingest import ingest
from batch_layer.master_dataset import master_events
from core.errors import LkError
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow


def scan_plan(frame) -> str:
    return frame._jdf.queryExecution().executedPlan().toString()


def test_a_time_range_prunes_hour_folders_and_keeps_exactly_its_events(
    kafka, topic, spark, tmp_path
):
    from pyspark.sql import functions as F

    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    # 3,000 events at 500/s, an hour of event time a second: six hour folders
    scenario = SCENARIOS["steady"].with_overrides(acceleration=3600.0)
    records = list(generate(scenario, seed=8, events=3000))
    send_records(records, settings.bootstrap, settings.topic, paced=False, total=None)
    ingest(spark, settings, compact_after=None)

    since = datetime(2026, 1, 1, 1, 30, tzinfo=UTC)
    until = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    ranged = master_events(spark, settings, since=since, until=until)
    plan = scan_plan(ranged)
    assert "PartitionFilters: [" in plan and "PartitionFilters: []" not in plan
    assert "event_hour" in plan.split("PartitionFilters: [", 1)[1].split("]", 1)[0]

    everything = master_events(spark, settings)
    in_range = everything.where((F.col("event_time") >= since) & (F.col("event_time") < until))
    assert 0 < ranged.count() == in_range.count() < everything.count()
    assert sorted(ranged.collect()) == sorted(in_range.collect())
    assert "PartitionFilters: []" in scan_plan(everything)
    assert ranged.columns == everything.columns


def test_a_time_without_a_zone_is_refused(spark, tmp_path):
    from core.settings import Settings

    settings = Settings.from_env(data_dir=tmp_path)
    with pytest.raises(LkError, match="no time zone"):
        master_events(spark, settings, since=datetime(2026, 1, 1))  # noqa: DTZ001
