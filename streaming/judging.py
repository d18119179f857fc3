"""The Spark side of judging a micro-batch in append order (`streaming.append_order`): the
events' keys collected from the checkpoint, the counted events selected, the held rows kept.

The cuts and the dropped events reach Spark as small DataFrames joined to the checkpoint, so no
value of a micro-batch enters the code Spark generates (`streaming.collect`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from streaming.append_order import COUNTED, Judged, OrderState, judge
from streaming.collect import collect_together

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

KEYS, READ = "keys", "read"
"""Names of the two outputs judging collects together."""


@dataclass(frozen=True)
class Judging:
    """How a job judges its events (`streaming.append_order`): watermark and dedup horizon in
    µs, and, for a job that reads with a limit per micro-batch, how to find the partitions a
    micro-batch did not read to their end (`unfinished`: the end offsets of micro-batch N, from
    Spark's offset log, -> the partitions left unread); None: no limit, none."""

    watermark_us: int
    horizon_us: int
    unfinished: Callable[[dict[int, int]], set[int]] | None = None


def judge_checkpoint(
    checkpoint: DataFrame,
    state: OrderState,
    unfinished: set[int],
    judging: Judging,
    partitions: set[int] | None = None,
) -> tuple[Judged, int]:
    """A checkpointed micro-batch's accepted events judged in append order (one Spark job
    collects their keys and each partition's newest append time), with how many there are;
    `partitions`: the topic's (`streaming.append_order.judge`)."""
    from pyspark.sql import functions as F

    accepted = checkpoint.where(F.col("reason").isNull())
    keys = accepted.select(
        F.col("partition").cast("int").alias("partition"),
        "offset",
        F.unix_millis("ingestion_time").alias("append_ms"),
        "event_id",
        F.unix_micros("event_time").alias("event_time_us"),
    )
    read = checkpoint.groupBy("partition").agg(
        F.max(F.unix_millis("ingestion_time")).alias("append_ms")
    )
    tables = collect_together({KEYS: keys, READ: read})
    read_ms = dict(
        zip(
            (int(p) for p in tables[READ]["partition"].to_pylist()),
            tables[READ]["append_ms"].to_pylist(),
            strict=True,
        )
    )
    judged = judge(
        state,
        tables[KEYS],
        read_ms,
        unfinished,
        watermark_us=judging.watermark_us,
        horizon_us=judging.horizon_us,
        partitions=partitions,
    )
    return judged, tables[KEYS].num_rows


def hold(checkpoint: DataFrame, judged: Judged, target: Path) -> None:
    """Write the rows of the events held back, for the next micro-batch."""
    from pyspark.sql import functions as F

    cuts = cuts_frame(checkpoint.sparkSession, judged.cuts)
    held = (
        checkpoint.where(F.col("reason").isNull())
        .join(F.broadcast(cuts), "partition")
        .where(F.col("offset") >= F.col("_cut"))
        .drop("_cut")
    )
    held.write.mode("overwrite").parquet(str(target))


def counted_events(accepted: DataFrame, judged: Judged) -> DataFrame:
    """The accepted events of the checkpoint that `judged` counts: none held back (at or after
    their partition's cut), none late or duplicate. The cuts and the dropped events are joined
    as small DataFrames, so no value of the micro-batch enters generated code."""
    import pyarrow.compute as pc
    from pyspark.sql import functions as F

    spark = accepted.sparkSession
    events = accepted
    if judged.cuts:
        cuts = cuts_frame(spark, judged.cuts)
        events = (
            events.join(F.broadcast(cuts), "partition", "left")
            .where(F.col("_cut").isNull() | (F.col("offset") < F.col("_cut")))
            .drop("_cut")
        )
    verdicts = judged.verdicts
    dropped = verdicts.filter(pc.not_equal(verdicts["verdict"], COUNTED))
    if dropped.num_rows:
        positions = spark.createDataFrame(dropped.select(["partition", "offset"]))
        events = events.join(F.broadcast(positions), ["partition", "offset"], "left_anti")
    return events


def cuts_frame(spark, cuts: dict[int, int]) -> DataFrame:
    """A DataFrame (partition, _cut): per partition, the offset from which events are held."""
    return spark.createDataFrame(sorted(cuts.items()), "partition int, _cut long")


def counted_ids(counted: pa.Table) -> pa.Table:
    """COUNTED_COLUMNS of the counted events, from their judged keys."""
    import pyarrow as pa

    event_time = counted["event_time_us"].cast(pa.timestamp("us", tz="UTC"))
    return pa.table(
        {
            "event_id": counted["event_id"],
            "partition": counted["partition"],
            "offset": counted["offset"],
            "event_time": event_time,
        }
    )


def count_of(verdicts: pa.ChunkedArray, verdict: int) -> int:
    import pyarrow.compute as pc

    return pc.sum(pc.equal(verdicts, verdict).cast("int64")).as_py() or 0
