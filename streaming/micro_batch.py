"""What a streaming job does with each micro-batch: every view, the rejected records and the
ids it counted, from one read of the log.

The query hands over each micro-batch's records once read, parsed and deduplicated
(`streaming.runner`). Here the micro-batch is checkpointed locally (computed once, kept as rows)
and:

- records whose event time is at or before the job's event-time watermark are late: dropped
  and counted (`late`);
- every view is applied to the rest (the view logic of `views.definitions`, unchanged), which
  gives the micro-batch's *partial* rows: a window's counts over this micro-batch's events, a
  session fragment of them. Partial rows merge by addition (and sessions by overlap) at serving
  time (`serving_layer.partials`), so a row is served while it is still open;
- rejected records and the (event_id, partition, offset) of every counted event are kept.

Each output is one file per micro-batch, `batch-<id>.parquet`, written under a temporary name
and renamed into place; a micro-batch replayed after a crash reads the same offsets against the
same state and rewrites the same files: the output is exactly once.

**One Spark job** computes every output of a micro-batch (`streaming.collect`) from its
checkpoint, with no value of the micro-batch written into the code Spark generates for it, so
the code compiled for the first micro-batch serves the next ones. If the views fail, the failing
records are isolated (`streaming.isolation`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.atomic import write_atomically, write_json
from core.errors import LkError, first_line
from core.layout import StreamPaths
from streaming.collect import collect_together, with_constant
from streaming.isolation import concat, isolate, isolated_table, not_about_records
from views.parse import EVENT_COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import Column, DataFrame

    from views.catalog import View

COUNTED_COLUMNS = ("event_id", "partition", "offset", "event_time")
"""A row of `counted/`: one event a view counted, and where it sits in the log."""
REJECTED, COUNTED, ON_TIME = "rejected", "counted", "_on_time"
"""Names of the outputs (beside the views') collected together, and of the on-time flag."""


@dataclass(frozen=True)
class BatchFigures:
    """What one micro-batch held once deduplicated (`kept`): rejected, late (dropped),
    counted and isolated records."""

    batch_id: int
    kept: int
    rejected: int
    late: int
    counted: int
    isolated: int


class MicroBatchWriter:
    """The foreachBatch function of a streaming job (see the module docstring).

    `late_after(batch_id)` gives the event time (ms since the epoch) at or before which an
    event of that micro-batch is late, or None while no watermark exists."""

    def __init__(self, paths: StreamPaths, views: tuple[View, ...], late_after) -> None:
        self.paths = paths
        self.views = views
        self.late_after = late_after
        self.planned_at_ms = 0
        """When Spark planned the current micro-batch (ms since the epoch, its offset log)."""
        self.failure: str | None = None
        """Why the last micro-batch failed, in one line (Spark reports a Python traceback)."""

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        try:
            self._write(batch, batch_id)
        except Exception as error:
            self.failure = f"micro-batch {batch_id}: {first_line(error)}"
            raise

    def _write(self, batch: DataFrame, batch_id: int) -> None:
        from pyspark.sql import functions as F

        self.planned_at_ms = int(
            batch_metadata(self.paths.checkpoint, batch_id)["batchTimestampMs"]
        )
        threshold = self.late_after(batch_id)
        on_time = F.lit(True)
        if threshold is not None:
            on_time = F.col("event_time") > F.timestamp_millis(F.lit(threshold))
        with _checkpointed(batch, on_time) as checkpoint:
            figures, tables = self._outputs(checkpoint, batch_id)
        for folder, table in tables.items():
            _write_file(folder, batch_id, table)
        write_json(self.paths.figures / f"{batch_id:09d}.json", figures.__dict__)

    def rehearse(self, records: DataFrame) -> None:
        """Do a micro-batch's work (checkpoint, every output in one job) on parsed `records`
        (`views.parse.parse_events`), all on time, and write nothing: `streaming.warm_up`."""
        from pyspark.sql import functions as F

        with _checkpointed(records, F.lit(True)) as checkpoint:
            self._outputs(checkpoint, -1)

    def _outputs(self, batch: DataFrame, batch_id: int) -> tuple[BatchFigures, dict]:
        """Every output of the micro-batch (checkpointed, with its ON_TIME flag) and its figures,
        from one Spark job (`streaming.collect.collect_together`); if the views fail, the
        rejected records are collected alone and the views' failing records isolated
        (`streaming.isolation`)."""
        from pyspark.sql import functions as F

        from views.parse import RECORD_COLUMNS

        rejected = batch.where(F.col("reason").isNotNull()).select(*RECORD_COLUMNS, "reason")
        accepted = batch.where(F.col("reason").isNull())
        # Accepted events with whether they are on time: the on-time ones are counted, the
        # others are late and only counted as dropped.
        judged = accepted.select(*COUNTED_COLUMNS, ON_TIME)
        events = accepted.where(F.col(ON_TIME))
        isolated: list[dict] = []
        try:
            tables = collect_together({REJECTED: rejected, COUNTED: judged, **self._frames(events)})
        except Exception as error:  # noqa: BLE001 (any failure is a candidate for isolation)
            if not_about_records(error):
                raise
            tables = {
                REJECTED: collect_together({REJECTED: rejected})[REJECTED],
                COUNTED: collect_together({COUNTED: judged})[COUNTED],
            }
            counted, views, isolated = isolate(self._views_of, events, error)
        else:
            views = {view.name: self._stamped(tables.pop(view.name)) for view in self.views}
        judged_table = tables[COUNTED]
        on_time_rows = judged_table[ON_TIME]
        late = judged_table.num_rows - _true_count(on_time_rows)
        if not isolated:
            counted = judged_table.filter(on_time_rows).drop_columns([ON_TIME])
        rejected_table = tables[REJECTED]
        if isolated:
            rejected_table = concat([rejected_table, isolated_table(batch, isolated)])
        outputs = {self.paths.rejected: rejected_table, self.paths.counted: counted}
        outputs.update({self.paths.view_files(name): table for name, table in views.items()})
        figures = BatchFigures(
            batch_id=batch_id,
            kept=tables[REJECTED].num_rows + judged_table.num_rows,
            rejected=rejected_table.num_rows,
            late=late,
            counted=counted.num_rows,
            isolated=len(isolated),
        )
        return figures, outputs

    def _frames(self, events: DataFrame) -> dict[str, DataFrame]:
        """Each view's partial rows over `events` (the query has deduplicated them), by name."""
        typed = events.select(*EVENT_COLUMNS)
        return {view.name: view.apply(typed, deduplicated=True) for view in self.views}

    def _stamped(self, table: pa.Table) -> pa.Table:
        """A view's partial rows with `processed_at`: when Spark planned the micro-batch (its
        offset log), so a replayed micro-batch writes the same rows."""
        import pyarrow as pa

        moment = pa.scalar(self.planned_at_ms * 1000, pa.timestamp("us", tz="UTC"))
        return with_constant(table, "processed_at", moment.value, moment.type)

    def _views_of(self, events: DataFrame) -> tuple[pa.Table, dict[str, pa.Table]]:
        """The counted ids and each view's partial rows over `events`, from one Spark job."""
        tables = collect_together(
            {COUNTED: events.select(*COUNTED_COLUMNS), **self._frames(events)}
        )
        counted = tables.pop(COUNTED)
        return counted, {name: self._stamped(table) for name, table in tables.items()}


@contextmanager
def _checkpointed(batch: DataFrame, on_time: Column) -> Iterator[DataFrame]:
    """The micro-batch with its ON_TIME flag, checkpointed locally, freed on leaving.

    The flag is computed before the checkpoint: a late threshold, new each micro-batch, is then
    compiled into the one stage that fills it, not into every stage that reads it
    (`streaming.collect`). The checkpoint is computed once (the query's state is updated once)
    and kept as rows: the outputs read a plan of one leaf, not the query's whole plan, so they
    are planned in a fraction of the time, and nothing is encoded into cached columns and
    decoded again. Its blocks are freed on leaving (Spark would only when the driver's garbage
    collector finds the RDD unused); freeing never raises, so it cannot hide the micro-batch's
    own error (the blocks are then freed later)."""
    from pyspark import StorageLevel

    checkpoint = batch.withColumn(ON_TIME, on_time).localCheckpoint(
        eager=True, storageLevel=StorageLevel.MEMORY_AND_DISK
    )
    try:
        yield checkpoint
    finally:
        try:
            checkpoint._jdf.logicalPlan().rdd().unpersist(False)
        except Exception as error:  # noqa: BLE001 (Spark internals: the plan is a LogicalRDD)
            logging.getLogger(__name__).warning("checkpoint not freed: %s", first_line(error))


def _true_count(flags: pa.ChunkedArray) -> int:
    import pyarrow.compute as pc

    return pc.sum(flags.cast("int64")).as_py() or 0


def _write_file(folder: Path, batch_id: int, table: pa.Table) -> None:
    """`folder/batch-<id>.parquet` with a `batch_id` column; none (and none left from an
    earlier attempt of the same micro-batch) for an empty table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = folder / f"batch-{batch_id:09d}.parquet"
    if table.num_rows == 0:
        target.unlink(missing_ok=True)  # an earlier attempt of this micro-batch may have had rows
        return
    table = table.append_column("batch_id", pa.array([batch_id] * table.num_rows, pa.int64()))
    write_atomically(target, lambda tmp: pq.write_table(table, tmp))


def batch_metadata(checkpoint: Path, batch_id: int) -> dict:
    """What Spark's offset log says of micro-batch `batch_id` (`offsets/<id>`: a version line,
    then JSON metadata with `batchWatermarkMs` and `batchTimestampMs`, ms since the epoch).
    Spark writes it before the micro-batch runs and keeps the last 100. LkError when it
    cannot be read: the late rule and the replayed files depend on it."""
    file = checkpoint / "offsets" / str(batch_id)
    try:
        return json.loads(file.read_text().splitlines()[1])
    except (OSError, IndexError, ValueError) as error:
        raise LkError(f"cannot read Spark's offset log {file}: {first_line(error)}") from error


def batch_watermark_ms(checkpoint: Path, batch_id: int) -> int | None:
    """The event-time watermark Spark used for micro-batch `batch_id` (ms since the epoch);
    None while it had none (0). LkError when the offset log cannot be read."""
    watermark = batch_metadata(checkpoint, batch_id).get("batchWatermarkMs")
    return int(watermark) if watermark else None
