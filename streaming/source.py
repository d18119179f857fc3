"""The streaming source: the topic read from Kafka, micro-batch by micro-batch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.kafka_client import SPARK_READ_OPTIONS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from core.settings import Settings
    from streaming.options import StreamOptions


def kafka_source(
    spark: SparkSession,
    settings: Settings,
    options: StreamOptions,
    *,
    fail_on_data_loss: bool = True,
) -> DataFrame:
    """The topic as a streaming DataFrame of Kafka records (key, value, topic, partition,
    offset, timestamp = ingestion time), from `options.starting_offsets` on a new checkpoint.
    `fail_on_data_loss=False` reads on past offsets deleted before they were read (Spark's
    `failOnDataLoss`; the caller has recorded them: `streaming.gaps`).
    Read committed: records of aborted transactions never appear, a micro-batch ends at the
    last stable offset, and offsets have gaps (markers), so rows, not offsets, count records."""
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", settings.bootstrap)
        .option("subscribe", settings.topic)
        .option("startingOffsets", options.starting_offsets)
        .options(**SPARK_READ_OPTIONS)
        .option("failOnDataLoss", str(fail_on_data_loss).lower())
    )
    if options.max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(options.max_offsets_per_trigger))
    if options.min_partitions:  # split Kafka partitions into more Spark tasks
        reader = reader.option("minPartitions", str(options.min_partitions))
    return reader.load()
