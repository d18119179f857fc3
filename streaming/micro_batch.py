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
are split in halves until the failing records are found; each is kept as rejected with reason
`processing_failed` and the rest is counted. If more than MAX_ISOLATED records fail, the fault
is not in the records (a lost executor, a full disk): the error is raised and the micro-batch is
retried when the job restarts.
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

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

    from views.catalog import View

EVENT_COLUMNS = ("event_id", "user_id", "action", "product_id", "amount", "event_time")
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
        from pyspark.sql import functions as F

        from views.parse import RECORD_COLUMNS

        rejected = batch.where(F.col("reason").isNotNull()).select(*RECORD_COLUMNS, "reason")
        accepted = F.col("reason").isNull()
        threshold = self.late_after(batch_id)
        on_time = F.lit(True)
        if threshold is not None:
            on_time = F.col("event_time") > F.timestamp_millis(F.lit(threshold))
        figures_of = batch.select(F.count("*"), F.count_if(accepted & ~on_time))
        with ThreadPoolExecutor(max_workers=2) as pool:  # Spark runs jobs of threads at once
            first = pool.submit(figures_of.first)
            rejected_rows = pool.submit(rejected.toArrow)
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
        (one per output: on few cores, a job's fixed cost is most of a small micro-batch's)."""
        from pyspark.sql import functions as F

        typed = events.select(*EVENT_COLUMNS)
        frames = {"": events.select(*COUNTED_COLUMNS)}
        for view in self.views:
            rows = view.apply(typed, deduplicated=True)  # the query has deduplicated them
            frames[view.name] = rows.withColumn("processed_at", F.current_timestamp())
        with ThreadPoolExecutor(max_workers=len(frames)) as pool:
            collected = {name: pool.submit(frame.toArrow) for name, frame in frames.items()}
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
        counted = _concat([part[0] for part in good_parts])
        views = {
            view.name: _concat([part[1][view.name] for part in good_parts]) for view in self.views
        }
        return counted, views, failed


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
    """`folder/batch-<id>.parquet` with a `batch_id` column; none for an empty table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if table.num_rows == 0:
        return
    table = table.append_column("batch_id", pa.array([batch_id] * table.num_rows, pa.int64()))
    write_atomically(
        folder / f"batch-{batch_id:09d}.parquet", lambda tmp: pq.write_table(table, tmp)
    )


def batch_watermark_ms(checkpoint: Path, batch_id: int) -> int | None:
    """The event-time watermark Spark used for micro-batch `batch_id` (ms since the epoch),
    from the query's offset log (`offsets/<id>`: a version line, then JSON metadata with
    `batchWatermarkMs`); None when that micro-batch is not in the log, or it had no watermark."""
    file = checkpoint / "offsets" / str(batch_id)
    try:
        lines = file.read_text().splitlines()
    except OSError:
        return None
    metadata = json.loads(lines[1]) if len(lines) > 1 else {}
    watermark = metadata.get("batchWatermarkMs")
    return int(watermark) if watermark else None
