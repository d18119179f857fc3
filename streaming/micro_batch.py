"""What a streaming job does with each micro-batch: every view, the rejected records and the
ids it counted, from one read of the log.

The query hands over each micro-batch's records once read and parsed (`streaming.runner`).
Here the micro-batch, with the events an earlier micro-batch held back, is checkpointed locally
(computed once, kept as rows) and:

- its accepted events are judged in the order the log appended them
  (`streaming.append_order`, its state kept by `streaming.order_store`): duplicates and late
  events are dropped and counted; events that an unread part of the log could still precede are
  held back for the next micro-batch;
- every view is applied to the counted events (the view logic of `views.definitions`, unchanged), which
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
from streaming.append_order import COUNTED, DUPLICATE, LATE, Judged, OrderState
from streaming.collect import collect_together, with_constant
from streaming.isolation import concat, isolate, isolated_table, not_about_records
from streaming.judging import (
    Judging,
    count_of,
    counted_events,
    counted_ids,
    hold,
    judge_checkpoint,
)
from streaming.order_store import OrderStore
from views.parse import EVENT_COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

    from views.catalog import View

COUNTED_COLUMNS = ("event_id", "partition", "offset", "event_time")
"""A row of `counted/`: one event a view counted, and where it sits in the log."""
REJECTED, COUNTED_IDS = "rejected", "counted"
"""Names of the outputs (beside the views') collected together."""


@dataclass(frozen=True)
class BatchFigures:
    """What one micro-batch judged: records read (`kept`, held ones of earlier micro-batches
    not counted again), rejected, duplicates and late events (dropped), counted, isolated and
    held back (events read but left for a later micro-batch), the frontier after it (the oldest
    of the partitions' frontiers, µs since the epoch: every partition has judged an event that
    new; None before the first) and the ids remembered."""

    batch_id: int
    kept: int
    rejected: int
    late: int
    counted: int
    isolated: int
    duplicates: int = 0
    held: int = 0
    frontier_us: int | None = None
    remembered: int = 0


class MicroBatchWriter:
    """The foreachBatch function of a streaming job (see the module docstring)."""

    def __init__(self, paths: StreamPaths, views: tuple[View, ...], judging: Judging) -> None:
        self.paths = paths
        self.views = views
        self.judging = judging
        self.store = OrderStore(paths.order)
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
        metadata = batch_metadata(self.paths.checkpoint, batch_id)
        self.planned_at_ms = int(metadata["batchTimestampMs"])
        records = batch
        held = self.store.held_rows(batch_id - 1)
        if held is not None:
            records = batch.unionByName(batch.sparkSession.read.parquet(str(held)))
        unfinished = self.store.unfinished(batch_id)
        if unfinished is None:
            unfinished = self._unfinished(batch_id)
        with _checkpointed(records) as checkpoint:
            partitions = set(batch_end_offsets(self.paths.checkpoint, batch_id))
            state = self.store.state(batch_id - 1)
            judged, kept = judge_checkpoint(checkpoint, state, unfinished, self.judging, partitions)
            figures, tables = self._outputs(checkpoint, batch_id, judged, kept)
            if judged.held.num_rows:
                hold(checkpoint, judged, self.store.held_target(batch_id))
        for folder, table in tables.items():
            _write_file(folder, batch_id, table)
        write_json(self.paths.figures / f"{batch_id:09d}.json", figures.__dict__)
        self.store.save(batch_id, judged.state, unfinished)

    def rehearse(self, records: DataFrame) -> None:
        """Do a micro-batch's work (checkpoint, judging, every output) on parsed `records`
        (`views.parse.parse_events`), none held back, and write nothing: `streaming.warm_up`."""
        with _checkpointed(records) as checkpoint:
            judged, kept = judge_checkpoint(checkpoint, OrderState(), set(), self.judging)
            self._outputs(checkpoint, -1, judged, kept)

    def _unfinished(self, batch_id: int) -> set[int]:
        """The partitions micro-batch `batch_id` did not read to their end (none without a
        limit: Spark then reads every partition to the end it saw when planning)."""
        if self.judging.unfinished is None:
            return set()
        return self.judging.unfinished(batch_end_offsets(self.paths.checkpoint, batch_id))

    def _outputs(
        self, batch: DataFrame, batch_id: int, judged: Judged, accepted: int
    ) -> tuple[BatchFigures, dict]:
        """Every output of the micro-batch (checkpointed) and its figures, from one Spark job
        (`streaming.collect.collect_together`); if the views fail, the rejected records are
        collected alone and the views' failing records isolated (`streaming.isolation`)."""
        import pyarrow.compute as pc
        from pyspark.sql import functions as F

        from views.parse import RECORD_COLUMNS

        rejected = batch.where(F.col("reason").isNotNull()).select(*RECORD_COLUMNS, "reason")
        events = counted_events(batch.where(F.col("reason").isNull()), judged)
        verdicts = judged.verdicts
        counted = counted_ids(verdicts.filter(pc.equal(verdicts["verdict"], COUNTED)))
        isolated: list[dict] = []
        try:
            tables = collect_together({REJECTED: rejected, **self._frames(events)})
        except Exception as error:  # noqa: BLE001 (any failure is a candidate for isolation)
            if not_about_records(error):
                raise
            tables = {REJECTED: collect_together({REJECTED: rejected})[REJECTED]}
            counted, views, isolated = isolate(self._views_of, events, error)
        else:
            views = {view.name: self._stamped(tables.pop(view.name)) for view in self.views}
        rejected_table = tables[REJECTED]
        if isolated:
            rejected_table = concat([rejected_table, isolated_table(batch, isolated)])
        outputs = {self.paths.rejected: rejected_table, self.paths.counted: counted}
        outputs.update({self.paths.view_files(name): table for name, table in views.items()})
        verdict = verdicts["verdict"]
        figures = BatchFigures(
            batch_id=batch_id,
            kept=tables[REJECTED].num_rows + accepted,
            rejected=rejected_table.num_rows,
            late=count_of(verdict, LATE),
            counted=counted.num_rows,
            isolated=len(isolated),
            duplicates=count_of(verdict, DUPLICATE),
            held=judged.held.num_rows,
            frontier_us=min(judged.state.frontier_us.values(), default=None),
            remembered=0 if judged.state.remembered is None else judged.state.remembered.num_rows,
        )
        return figures, outputs

    def _frames(self, events: DataFrame) -> dict[str, DataFrame]:
        """Each view's partial rows over `events` (judged: each id once, none late), by name."""
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
            {COUNTED_IDS: events.select(*COUNTED_COLUMNS), **self._frames(events)}
        )
        counted = tables.pop(COUNTED_IDS)
        return counted, {name: self._stamped(table) for name, table in tables.items()}


@contextmanager
def _checkpointed(batch: DataFrame) -> Iterator[DataFrame]:
    """The micro-batch checkpointed locally, freed on leaving.

    The checkpoint is computed once (the Kafka read and the parse run once) and kept as rows:
    judging and the outputs read a plan of one leaf, not the query's whole plan, so they are
    planned in a fraction of the time, and nothing is encoded into cached columns and decoded
    again. Its blocks are freed on leaving (Spark would only when the driver's garbage
    collector finds the RDD unused); freeing never raises, so it cannot hide the micro-batch's
    own error (the blocks are then freed later)."""
    from pyspark import StorageLevel

    checkpoint = batch.localCheckpoint(eager=True, storageLevel=StorageLevel.MEMORY_AND_DISK)
    try:
        yield checkpoint
    finally:
        try:
            checkpoint._jdf.logicalPlan().rdd().unpersist(False)
        except Exception as error:  # noqa: BLE001 (Spark internals: the plan is a LogicalRDD)
            logging.getLogger(__name__).warning("checkpoint not freed: %s", first_line(error))


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


def batch_end_offsets(checkpoint: Path, batch_id: int) -> dict[int, int]:
    """The end offsets (exclusive) Spark planned for micro-batch `batch_id`, per partition, from
    its offset log (`offsets/<id>`: the line after the metadata holds the Kafka source's
    `{topic: {partition: offset}}`). LkError when it cannot be read."""
    file = checkpoint / "offsets" / str(batch_id)
    try:
        source = json.loads(file.read_text().splitlines()[2])
    except (OSError, IndexError, ValueError) as error:
        raise LkError(f"cannot read Spark's offset log {file}: {first_line(error)}") from error
    return {int(p): int(o) for partitions in source.values() for p, o in partitions.items()}
