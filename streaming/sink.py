"""The streaming sink: each micro-batch's output as one immutable Parquet file.

`batch-<id>.parquet` is written under a temporary name and renamed into place, so a micro-batch
replayed after a crash rewrites the same file with the same rows: the output is exactly once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.atomic import write_atomically

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


class MicroBatchFiles:
    """foreachBatch sink: one Parquet file per micro-batch, replaced whole on a replay."""

    def __init__(self, folder: Path, *, processing_time: bool = True) -> None:
        self.folder = folder
        self.processing_time = processing_time

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        import pyarrow.parquet as pq
        from pyspark.sql import functions as F

        if self.processing_time:
            batch = batch.withColumn("processed_at", F.current_timestamp())
        table = batch.withColumn("batch_id", F.lit(batch_id).cast("long")).toArrow()
        if table.num_rows == 0:
            return
        final = self.folder / f"batch-{batch_id:09d}.parquet"
        write_atomically(final, lambda temporary: pq.write_table(table, temporary))


def write_seed(spark: SparkSession, output: DataFrame, folder: Path) -> None:
    """An empty file with the output's columns, so readers find the schema before batch 0."""
    import pyarrow.parquet as pq
    from pyspark.sql import functions as F

    seed = folder / "batch-seed.parquet"
    if seed.exists():
        return
    empty = spark.createDataFrame([], output.schema)
    empty = empty.withColumn("processed_at", F.current_timestamp())
    table = empty.withColumn("batch_id", F.lit(-1).cast("long")).toArrow()
    write_atomically(seed, lambda temporary: pq.write_table(table, temporary))
