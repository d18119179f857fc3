"""The Yahoo Streaming Benchmark's streaming job: Kappa's job and Lambda's speed path, one query.

One Structured Streaming query reads the YSB topic (from offset 0, or from its end), parses each
event, puts the events under an event-time watermark and runs the YSB query of `benchmarks/ysb/query.py`
(views → campaign → 10-second windows) in update mode: each micro-batch emits the windows whose
count changed, with their new total. The sink (`window_sink`) writes those rows, one Parquet file
per micro-batch, each row stamped with `updated_at`: the wall-clock time it was written. That is
YSB's "time_updated" (github.com/yahoo/streaming-benchmarks, CampaignProcessorCommon.writeWindow
stamps each window when it writes the count to Redis), so a window's last update minus its end is
its YSB latency. A Kappa job and Lambda's speed layer run this same query; they differ in where
they start (offset 0 / the batch horizon) and in what else serves (Lambda's batch recompute,
`benchmarks/ysb/batch.py`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.ysb.query import campaign_table, campaign_windows, parse_ysb
from core.layout import StreamPaths
from core.settings import DEFAULT_TRIGGER, Settings
from streaming.options import StreamOptions
from streaming.progress import ProgressListener, listen
from streaming.source import kafka_source

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.streaming import StreamingQuery

YSB_WATERMARK = "10 seconds"
"""How late (event time) a YSB event may be and still count; YSB's generator sends in order."""
WINDOW_FILES = "windows"
"""The folder under a job's root with its per-micro-batch window rows."""


def start_ysb_query(
    spark: SparkSession,
    settings: Settings,
    root: Path,
    campaigns: list[tuple[str, str]],
    *,
    starting_offsets: str = "earliest",
    watermark: str = YSB_WATERMARK,
    trigger: str = DEFAULT_TRIGGER,
    available_now: bool = False,
) -> tuple[StreamingQuery, ProgressListener]:
    """Start the YSB query on `settings.topic` with its checkpoint, window rows and progress
    under `root`; `available_now`: process what the log holds now, then stop (a replay). The
    query and the listener recording its progress (`root/progress/query/<batch>.json`)."""
    events = parse_ysb(kafka_source(spark, settings, _options(starting_offsets, trigger)))
    rows = campaign_windows(
        events.withWatermark("event_time", watermark), campaign_table(spark, campaigns)
    )
    return start_window_query(
        spark, settings, rows, root, name="ysb", trigger=trigger, available_now=available_now
    )


def start_window_query(
    spark: SparkSession,
    settings: Settings,
    rows: DataFrame,
    root: Path,
    *,
    name: str,
    trigger: str = DEFAULT_TRIGGER,
    available_now: bool = False,
) -> tuple[StreamingQuery, ProgressListener]:
    """Start a windowed streaming aggregation `rows` in update mode into `window_sink` under
    `root`, with Spark's progress recorded there; state in settings.stream_shuffle_partitions."""
    paths = StreamPaths(root)
    query_name = f"{name}-{root.name}-{uuid.uuid4().hex[:6]}"  # unique: the listener matches it
    listener = listen(spark, paths, _options("earliest", trigger, query_name), query_name)
    previous = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", settings.stream_shuffle_partitions)
    writer = (
        rows.writeStream.queryName(query_name)
        .outputMode("update")
        .option("checkpointLocation", str(paths.checkpoint))
        .foreachBatch(window_sink(root / WINDOW_FILES))
    )
    writer = (
        writer.trigger(availableNow=True)
        if available_now
        else writer.trigger(processingTime=trigger)
    )
    try:
        query = writer.start()  # the query runs on a copy of the session's settings
    except Exception:
        listener.remove()
        raise
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", previous)
    return query, listener


def window_sink(folder: Path) -> Callable[[DataFrame, int], None]:
    """A foreachBatch sink: a micro-batch's rows as `folder/batch-<id>.parquet` (atomically,
    idempotent by batch id) with two more columns: `updated_at_ms` (int, epoch ms: when the rows
    were computed and handed to the writer; the file is in place a few ms later) and
    `batch_id`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from core.atomic import write_atomically

    def write(batch: DataFrame, batch_id: int) -> None:
        table = batch.toArrow()
        if table.num_rows == 0:
            return
        updated_at = int(time.time() * 1000)
        table = table.append_column(
            "updated_at_ms", pa.array([updated_at] * table.num_rows, pa.int64())
        ).append_column("batch_id", pa.array([batch_id] * table.num_rows, pa.int64()))
        target = folder / f"batch-{batch_id:09d}.parquet"
        write_atomically(target, lambda temporary: pq.write_table(table, temporary))

    return write


def _options(starting_offsets: str, trigger: str, name: str = "ysb") -> StreamOptions:
    return StreamOptions(
        name=name, watermark=YSB_WATERMARK, trigger=trigger, starting_offsets=starting_offsets
    )
