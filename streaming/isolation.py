"""Isolation: the records of a micro-batch that its views fail on, found by halving it.

No valid record can fail a view (the types hold every sum the contract allows), but if a
micro-batch's views still fail, the job does not crash-loop on it: the counted events are split
in halves until the failing records are found; each record that fails again when tried once
more is kept as rejected with reason `processing_failed` and the rest is counted. If more than
MAX_ISOLATED records fail, or every record does, the fault is not in the records (a lost
executor, a full disk): the error is raised and the micro-batch is retried when the job
restarts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from core.errors import LkError, first_line
from views.parse import EVENT_COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

PROCESSING_FAILED = "processing_failed"
"""The reason of a record isolated because the views failed on it."""
MAX_ISOLATED = 8
"""At most this many records of one micro-batch are isolated; more fail the micro-batch."""

ViewsOf = Callable[["DataFrame"], tuple["pa.Table", dict[str, "pa.Table"]]]
"""What a micro-batch's events give: the counted ids and each view's rows, by view name."""


def isolate(views_of: ViewsOf, events: DataFrame, error: Exception):
    """Find the records the views fail on by halving the micro-batch's events; count the
    rest: (counted ids, each view's rows, the records isolated as dicts of partition, offset
    and error). Each half is a DataFrame of its own, made from the events' rows, so nothing the
    views compute over one half can be evaluated over the other. LkError if more than
    MAX_ISOLATED records fail, or every record does; `error` is the micro-batch's failure."""
    rows = events.select(*EVENT_COLUMNS, "partition", "offset").toArrow()
    spark = events.sparkSession
    good_parts = [views_of(spark.createDataFrame(rows.slice(0, 0)))]  # the schemas
    failed: list[dict] = []
    pending = [rows]
    while pending:
        part = pending.pop()
        try:
            good_parts.append(views_of(spark.createDataFrame(part)))
            continue
        except Exception as part_error:  # noqa: BLE001 (any failure may be a record's)
            if not_about_records(part_error):
                raise
            if part.num_rows == 1:
                retried = _retried(views_of, spark, part)  # a transient fault passes
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
    counted = concat([part[0] for part in good_parts])
    names = good_parts[0][1]
    views = {name: concat([part[1][name] for part in good_parts]) for name in names}
    return counted, views, failed


def _retried(views_of: ViewsOf, spark, part: pa.Table) -> tuple | None:
    """The outputs of one record whose views failed once, tried again; None if they fail."""
    try:
        return views_of(spark.createDataFrame(part))
    except Exception:  # noqa: BLE001 (it failed the same way before: the record's fault)
        return None


def not_about_records(error: Exception) -> bool:
    """Failures that no record causes: the JVM or Python worker gone, the query stopped."""
    text = str(error)
    return any(
        marker in text
        for marker in ("SparkContext was shut down", "Py4JNetworkError", "InterruptedException")
    )


def isolated_table(batch: DataFrame, isolated: list[dict]) -> pa.Table:
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


def concat(tables: list[pa.Table]) -> pa.Table:
    """The tables one after the other; a column missing in some is null there."""
    import pyarrow as pa

    return pa.concat_tables(tables, promote_options="permissive")
