"""The master dataset on disk: which folders hold its events, and reading them with Spark so that
a filter on event time reads only the event_date=/event_hour= folders it needs.

    lambda/ingest/
        run=<n>/events/event_date=<YYYY-MM-DD>/event_hour=<H>/*.parquet   one ingest run's events
        compacted=<m>/events/event_date=/event_hour=/*.parquet            every run <= m, merged

The events are those of the newest `compacted=<m>` folder plus those of every run numbered above
m; folders a compaction superseded are ignored by readers and removed once no reader holds
`READERS_LOCK` (see `batch_layer.compaction`). A run's `offsets.json` and `rejected/` stay in
its folder: the offsets say where the next run starts, the serving catalog reads the rejected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING

from core.layout import Layout, numbered
from core.locks import shared_lock
from core.spark import literal_path

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import StructType

    from core.settings import Settings

EVENTS = "events"
"""The events folder of a run or a compaction."""
COMPACTED = "compacted="
"""The name prefix of a compaction's folder; its number is the last run it holds."""
READERS_LOCK = ".readers.lock"
"""In the ingest folder: held shared while a job reads the master dataset, exclusive while a
compaction removes the folders it superseded."""
PARTITION_COLUMNS = ("event_date", "event_hour")
"""The folder levels of the events: the UTC date and hour (0-23) of each event's time."""


def committed_runs(layout: Layout) -> list[tuple[int, Path]]:
    """The committed ingest runs, oldest first (a run folder exists only once committed)."""
    return numbered(layout.ingest, "run=")


def compactions(layout: Layout) -> list[tuple[int, Path]]:
    """The committed compactions (numbered by the last run each holds), oldest first."""
    return numbered(layout.ingest, COMPACTED)


def event_folders(layout: Layout, through_run: int | None = None) -> list[Path]:
    """The folders whose Parquet files are the master dataset's events up to run `through_run`
    (all committed runs if None): the newest compaction's, then each later run's."""
    base_number, base = 0, None
    for number, folder in compactions(layout):
        if through_run is None or number <= through_run:
            base_number, base = number, folder
    folders = [base / EVENTS] if base is not None else []
    for number, run in committed_runs(layout):
        if number > base_number and (through_run is None or number <= through_run):
            folders.append(run / EVENTS)
    return [folder for folder in folders if folder.exists()]


@contextmanager
def reading(layout: Layout) -> Iterator[None]:
    """Hold while reading the master dataset: no compaction removes a folder meanwhile."""
    with shared_lock(layout.ingest / READERS_LOCK):
        yield


def master_schema(*, stored: bool = False) -> StructType:
    """A master-dataset row's schema: the event columns, `partition`, `offset` and
    `ingestion_time` (where the record sits in the log, and the Kafka record's timestamp: its
    append time); with `stored`, every stored column: also the folder levels `event_date`
    (date), `event_hour` (int)."""
    from pyspark.sql.types import DateType, IntegerType, LongType, StructField, TimestampType

    from views.events import spark_event_schema

    schema = spark_event_schema()
    schema = (
        schema.add(StructField("partition", IntegerType()))
        .add(StructField("offset", LongType()))
        .add(StructField("ingestion_time", TimestampType()))
    )
    if stored:
        schema = schema.add(StructField("event_date", DateType())).add(
            StructField("event_hour", IntegerType())
        )
    return schema


def master_events(
    spark: SparkSession,
    settings: Settings,
    folders: list[Path] | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    stored: bool = False,
) -> DataFrame:
    """Every accepted record of the master dataset (`folders`, default `event_folders`), the
    duplicates included: the columns of `master_schema()` (of `master_schema(stored=True)` with
    `stored`). With `since` / `until` (UTC-aware), only events with since <= event_time < until,
    read from the hour folders that can hold them (Spark's PartitionFilters), not the others."""
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    if folders is None:
        folders = event_folders(Layout(settings.data_dir))
    schema = master_schema(stored=True)
    if not folders:
        events = spark.createDataFrame([], schema)
    else:
        # Each folder is a root of event_date=/event_hour= folders: Spark reads their values
        # as the typed columns of `schema`, which a filter on them prunes. Spark discovers
        # partitions under one root per read, hence one read per folder (compaction keeps
        # them few).
        reads = [spark.read.schema(schema).parquet(literal_path(folder)) for folder in folders]
        events = reduce(DataFrame.unionByName, reads)
    if since is not None:
        events = events.where(_hours_from(since) & (F.col("event_time") >= since))
    if until is not None:
        events = events.where(_hours_to(until) & (F.col("event_time") < until))
    return events.select(*master_schema(stored=stored).fieldNames())


def _hours_from(moment: datetime) -> Column:
    """A filter on the folder columns only: the hour folders at or after `moment`'s hour."""
    from pyspark.sql import functions as F

    day, hour = _utc_day_hour(moment)
    return (F.col("event_date") > F.lit(day)) | (
        (F.col("event_date") == F.lit(day)) & (F.col("event_hour") >= hour)
    )


def _hours_to(moment: datetime) -> Column:
    """A filter on the folder columns only: the hour folders that start before `moment`."""
    from pyspark.sql import functions as F

    day, hour = _utc_day_hour(moment)
    before = hour if moment == moment.replace(minute=0, second=0, microsecond=0) else hour + 1
    return (F.col("event_date") < F.lit(day)) | (
        (F.col("event_date") == F.lit(day)) & (F.col("event_hour") < before)
    )


def _utc_day_hour(moment: datetime):
    from datetime import UTC

    from core.errors import LkError

    if moment.tzinfo is None:
        raise LkError(f"{moment.isoformat()} has no time zone: give master-dataset times in UTC")
    utc = moment.astimezone(UTC)
    return utc.date(), utc.hour


def hour_folders(events: Path) -> set[str]:
    """The `event_date=<d>/event_hour=<h>` paths (relative) under an events folder."""
    return {
        f"{day.name}/{hour.name}"
        for day in events.glob(f"{PARTITION_COLUMNS[0]}=*")
        for hour in day.glob(f"{PARTITION_COLUMNS[1]}=*")
        if hour.is_dir()
    }


def parquet_rows(folder: Path) -> int:
    """Rows in the Parquet files anywhere under `folder`, from their footers (no Spark job)."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(file).metadata.num_rows for file in folder.rglob("*.parquet"))
