"""Lambda's batch recompute of the Yahoo Streaming Benchmark's query over the stored log.

The batch layer's way: read every record the topic holds (Kafka keeps the log forever: it is the
master dataset here), run the same YSB query (`benchmarks/ysb/query.py`) over all of it at once, no
watermark, and return the per-campaign window counts. Lambda serves these for every window that
ends at or before the batch horizon and the speed path's (`benchmarks/ysb/job.py`) after it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from benchmarks.ysb.query import campaign_table, campaign_windows, parse_ysb
from core.kafka_client import SPARK_READ_OPTIONS
from core.settings import Settings

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession


def recompute_ysb(
    spark: SparkSession, settings: Settings, campaigns: list[tuple[str, str]]
) -> tuple[pa.Table, float]:
    """The YSB windows over the whole topic `settings.topic` (read committed): a table of
    campaign_id, window_start, window_end, views; and the seconds the recompute took (read,
    parse, join, count, collect)."""
    started = time.perf_counter()
    records = (
        spark.read.format("kafka")
        .option("kafka.bootstrap.servers", settings.bootstrap)
        .option("subscribe", settings.topic)
        .options(**SPARK_READ_OPTIONS)
        .load()
    )
    rows = campaign_windows(parse_ysb(records), campaign_table(spark, campaigns)).toArrow()
    return rows, time.perf_counter() - started
