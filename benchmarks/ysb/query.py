"""The Yahoo Streaming Benchmark's query, once, as pure DataFrame functions: batch or stream.

YSB (Chintapalli et al., IEEE IPDPSW 2016; github.com/yahoo/streaming-benchmarks, README "The
Test"): parse each JSON event, keep the views (`event_type == 'view'`), project ad_id and
event_time, join ad_id to its campaign (YSB looks it up in Redis; here a small static table,
broadcast), and count the views per campaign in 10-second tumbling event-time windows.

The same functions run in the streaming job (`benchmarks/ysb/job.py`: Kappa's job and Lambda's
speed path, the events under a watermark) and in Lambda's batch recompute
(`benchmarks/ysb/batch.py`, the whole stored log at once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

YSB_FIELDS = ("user_id", "page_id", "ad_id", "ad_type", "event_type", "event_time", "ip_address")
YSB_SCHEMA = StructType([StructField(name, StringType()) for name in YSB_FIELDS])
"""A YSB event: seven strings; event_time is epoch milliseconds written as a decimal string."""
CAMPAIGN_SCHEMA = "ad_id string, campaign_id string"
"""A row of the ad → campaign table."""
YSB_WINDOW = "10 seconds"
"""YSB's tumbling window (core.clj: time-divisor 10000 ms)."""


def parse_ysb(records: DataFrame) -> DataFrame:
    """Kafka records (a `value` column of bytes) as YSB events: ad_id, event_type and event_time
    (a timestamp, from the epoch milliseconds). A record that is not a JSON object with a
    numeric event_time and an ad_id has nulls there and is left out (YSB's generator writes
    none)."""
    parsed = records.select(F.from_json(F.col("value").cast("string"), YSB_SCHEMA).alias("e"))
    events = parsed.select(
        F.col("e.ad_id").alias("ad_id"),
        F.col("e.event_type").alias("event_type"),
        F.timestamp_millis(F.col("e.event_time").cast("long")).alias("event_time"),
    )
    # (ad_id, event_type, event_time)
    return events.where(F.col("ad_id").isNotNull() & F.col("event_time").isNotNull())


def campaign_table(spark: SparkSession, rows: list[tuple[str, str]]) -> DataFrame:
    """The ad → campaign map, (ad_id, campaign_id) rows, as a DataFrame to join."""
    return spark.createDataFrame(rows, CAMPAIGN_SCHEMA)


def campaign_windows(
    events: DataFrame, campaigns: DataFrame, *, window: str = YSB_WINDOW
) -> DataFrame:
    """One row per campaign and tumbling event-time window: how many view events it had.
    Columns: campaign_id, window_start, window_end, views. Events whose ad has no campaign
    are not counted (YSB's join drops them too)."""
    views = events.where(F.col("event_type") == "view").select("ad_id", "event_time")
    joined = views.join(F.broadcast(campaigns), "ad_id")  # (ad_id, event_time, campaign_id)
    counted = joined.groupBy(F.window("event_time", window).alias("window"), "campaign_id").agg(
        F.count("*").alias("views")
    )
    # (campaign_id, window_start, window_end, views)
    return counted.select(
        "campaign_id",
        F.col("window.start").alias("window_start"),
        F.col("window.end").alias("window_end"),
        "views",
    )
