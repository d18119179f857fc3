"""What a streaming job does with each micro-batch: every view, the rejected records and the
ids it counted, from one read of the log.

The query hands over each micro-batch's records once read, parsed and deduplicated
(`streaming.runner`). Here the micro-batch is cached and:

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

**Isolation.** No valid record can fail a view (the types hold every sum the contract allows),
but if a micro-batch's views still fail, the job does not crash-loop on it: the counted events
are split in halves until the failing records are found; each record that fails again when
tried once more is kept as rejected with reason `processing_failed` and the rest is counted. If
more than MAX_ISOLATED records fail, or every record does, the fault is not in the records (a
lost executor, a full disk): the error is raised and the micro-batch is retried when the job
restarts.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.atomic import write_atomically, write_json
from core.errors import LkError, first_line
from core.layout import StreamPaths
from views.parse import EVENT_COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

    from views.catalog import View

COUNTED_COLUMNS = ("event_id", "partition", "offset", "event_time")
"""A row of `counted/`: one event a view counted, and where it sits in the log."""
PROCESSING_FAILED = "processing_failed"
"""The reason of a record isolated because the views failed on it."""
MAX_ISOLATED = 8
"""At most this many records of one micro-batch are isolated; more fail the micro-batch."""


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
        from pyspark import StorageLevel

        batch = batch.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            figures, tables = self._outputs(batch, batch_id)
        finally:
            batch.unpersist()
        for folder, table in tables.items():
            _write_file(folder, batch_id, table)
        write_json(self.paths.figures / f"{batch_id:09d}.json", figures.__dict__)

    def _outputs(self, batch: DataFrame, batch_id: int) -> tuple[BatchFigures, dict]:
        from pyspark import inheritable_thread_target
        from pyspark.sql import functions as F

        from views.parse import RECORD_COLUMNS

        rejected = batch.where(F.col("reason").isNotNull()).select(*RECORD_COLUMNS, "reason")
        accepted = F.col("reason").isNull()
        self.planned_at_ms = int(
            batch_metadata(self.paths.checkpoint, batch_id)["batchTimestampMs"]
        )
        threshold = self.late_after(batch_id)
        on_time = F.lit(True)
        if threshold is not None:
            on_time = F.col("event_time") > F.timestamp_millis(F.lit(threshold))
        figures_of = batch.select(F.count("*"), F.count_if(accepted & ~on_time))
        with ThreadPoolExecutor(max_workers=2) as pool:  # Spark runs jobs of threads at once
            first = pool.submit(inheritable_thread_target(figures_of.first))
            rejected_rows = pool.submit(inheritable_thread_target(rejected.toArrow))
            counted, views, isolated = self._views(batch.where(accepted & on_time))
            kept, late = first.result()
            rejected_table = rejected_rows.result()
        if isolated:
            rejected_table = _concat([rejected_table, _isolated_table(batch, isolated)])
        tables = {self.paths.rejected: rejected_table, self.paths.counted: counted}
        tables.update({self.paths.view_files(name): table for name, table in views.items()})
        figures = BatchFigures(
            batch_id=batch_id,
            kept=kept,
            rejected=rejected_table.num_rows,
            late=late,
            counted=counted.num_rows,
            isolated=len(isolated),
        )
        return figures, tables

    def _views(self, events: DataFrame) -> tuple[pa.Table, dict[str, pa.Table], list[dict]]:
        """Counted ids, each view's partial rows, and the records isolated (as dicts with
        partition, offset and error)."""
        try:
            counted, views = self._views_of(events)
            return counted, views, []
        except Exception as error:  # noqa: BLE001 (any failure is a candidate for isolation)
            if _not_about_records(error):
                raise
            return self._isolate(events, error)

    def _views_of(self, events: DataFrame) -> tuple[pa.Table, dict[str, pa.Table]]:
        """The counted ids and each view's partial rows, collected by concurrent Spark jobs
        (one per output: on few cores, a job's fixed cost is most of a small micro-batch's).
        `processed_at` is when Spark planned the micro-batch (its offset log), so a replayed
        micro-batch writes the same rows."""
        from pyspark import inheritable_thread_target
        from pyspark.sql import functions as F

        processed_at = F.timestamp_millis(F.lit(self.planned_at_ms))
        typed = events.select(*EVENT_COLUMNS)
        frames = {"": events.select(*COUNTED_COLUMNS)}
        for view in self.views:
            rows = view.apply(typed, deduplicated=True)  # the query has deduplicated them
            frames[view.name] = rows.withColumn("processed_at", processed_at)
        with ThreadPoolExecutor(max_workers=len(frames)) as pool:
            collected = {
                name: pool.submit(inheritable_thread_target(frame.toArrow))
                for name, frame in frames.items()
            }
            tables = {name: future.result() for name, future in collected.items()}
        counted = tables.pop("")
        return counted, tables

    def _isolate(self, events: DataFrame, error: Exception):
        """Find the records the views fail on by halving the micro-batch's events; count the
        rest. Each half is a DataFrame of its own, made from the events' rows, so nothing the
        views compute over one half can be evaluated over the other. LkError if more than
        MAX_ISOLATED records fail."""
        rows = events.select(*EVENT_COLUMNS, "partition", "offset").toArrow()
        spark = events.sparkSession
        good_parts = [self._views_of(spark.createDataFrame(rows.slice(0, 0)))]  # the schemas
        failed: list[dict] = []
        pending = [rows]
        while pending:
            part = pending.pop()
            try:
                good_parts.append(self._views_of(spark.createDataFrame(part)))
                continue
            except Exception as part_error:  # noqa: BLE001 (any failure may be a record's)
                if _not_about_records(part_error):
                    raise
                if part.num_rows == 1:
                    retried = _retried(self, spark, part)  # a transient fault passes
                    if retried is not None:
                        good_parts.append(retried)
                        continue
                    failed.append(
                        {
                            "partition": part["partition"][0].as_py(),
                            "offset": part["offset"][0].as_py(),
                            "error": first_line(part_error),
                        }
                    )
                    if len(failed) > MAX_ISOLATED:
                        raise LkError(
                            f"more than {MAX_ISOLATED} records of one micro-batch fail the "
                            f"views; the first error: {first_line(error)}"
                        ) from error
                    continue
            middle = part.num_rows // 2
            pending += [part.slice(0, middle), part.slice(middle)]
        if len(failed) == rows.num_rows:  # every record fails: the fault is not in them
            raise LkError(
                f"every record of the micro-batch fails the views: {first_line(error)}"
            ) from error
        counted = _concat([part[0] for part in good_parts])
        views = {
            view.name: _concat([part[1][view.name] for part in good_parts]) for view in self.views
        }
        return counted, views, failed


def _retried(writer: MicroBatchWriter, spark, part: pa.Table) -> tuple | None:
    """The outputs of one record whose views failed once, tried again; None if they fail."""
    try:
        return writer._views_of(spark.createDataFrame(part))
    except Exception:  # noqa: BLE001 (it failed the same way before: the record's fault)
        return None


def _not_about_records(error: Exception) -> bool:
    """Failures that no record causes: the JVM or Python worker gone, the query stopped."""
    text = str(error)
    return any(
        marker in text
        for marker in ("SparkContext was shut down", "Py4JNetworkError", "InterruptedException")
    )


def _isolated_table(batch: DataFrame, isolated: list[dict]) -> pa.Table:
    """The isolated records as rejected rows (RECORD_COLUMNS, reason)."""
    from pyspark.sql import functions as F

    from views.parse import RECORD_COLUMNS

    spark = batch.sparkSession
    failures = spark.createDataFrame(
        [(item["partition"], item["offset"], item["error"]) for item in isolated],
        "partition int, offset long, error string",
    )
    rows = batch.join(failures, ["partition", "offset"]).select(
        *RECORD_COLUMNS, F.concat(F.lit(f"{PROCESSING_FAILED}: "), "error").alias("reason")
    )
    return rows.toArrow()


def _concat(tables: list[pa.Table]) -> pa.Table:
    import pyarrow as pa

    return pa.concat_tables(tables, promote_options="permissive")


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
