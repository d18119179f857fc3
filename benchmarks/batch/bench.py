"""`lk bench batch`: the batch layer's view recompute against DuckDB computing the same views
with the oracle's SQL over the same Parquet files, at several data sizes.

- **Ours**: `batch_layer.batch_views.compute_views`, the code `lk lambda batch` (and the DAG's
  views step) runs to turn the master dataset into a staged batch version: read, keep each
  event_id once, compute every view, write Parquet. The staged version is removed afterwards.
- **Reference**: DuckDB (in process, as many threads as Spark has cores, the same memory as the
  Spark driver) running `oracle.views_sql` over the same files, each view written
  to Parquet with `COPY`, as Spark writes its views.

Both sides must produce the same number of rows per view; a difference is refused (LkError).

The master dataset is **not** ingested through Kafka: at 10^7 events that alone would take far
longer than the views. It is written directly from the seeded generator (`workloads.generator`,
scenario `late-data`: late events and re-sent duplicates) through the batch layer's own event
writer (`batch_layer.ingest.write_events`), so it has exactly the layout and schema an ingest
run writes: one committed run, `run=000001/events/event_date=/event_hour=/`, with each record's
Kafka partition (murmur2 of the key, as the producer places it), offset and an ingestion time.
A size that is a multiple of `TILE` (10^6) above it (10^7) is that many copies of the generated
10^6 dataset, each moved later in event time past the one before, with its own event ids and
offsets (`_write_copies`): the generator's 30 µs a record would make 10^7 take 5-20 minutes.
A dataset is kept under `<data dir>/bench/batch/` and reused by later runs with the same size,
seed and partitions (generating 10^7 events takes minutes); remove that folder to regenerate.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.batch.data import master_dataset
from core.errors import LkError
from core.settings import DEFAULT_LATENESS, DEFAULT_LOGIC_VERSION, Settings
from experiments.figures import environment, spread
from serving_layer.sql import files_in, literal

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def run_bench_batch(
    settings: Settings,
    *,
    sizes: list[int],
    repeat: int = 1,
    seed: int = 7,
    logic_version: str = DEFAULT_LOGIC_VERSION,
) -> dict:
    """Figures for each size in `sizes` (logical events): Spark's and DuckDB's seconds for all
    views and their ratio (median, min, max over `repeat` runs, each engine in turn), rows per
    view, the dataset's records, files, bytes and `copies_of_generated` (10 for 10^7: ten
    time-shifted copies of the generated 10^6); then the environment."""
    from core.spark import spark_session

    spark = spark_session(settings, "lk-bench-batch")
    figures: dict = {"repeat": repeat, "logic_version": logic_version}
    for events in sizes:
        root = dataset_root(settings, events, seed)
        dataset = master_dataset(spark, root, events, seed)
        prefix = f"events_{short_count(events)}"
        spark_seconds, duckdb_seconds = [], []
        for _ in range(repeat):
            seconds, spark_rows = spark_views(
                spark, replace(settings, data_dir=root), logic_version
            )
            spark_seconds.append(seconds)
            seconds, duckdb_rows = duckdb_views(
                root, root / "duckdb-views", logic_version, settings
            )
            duckdb_seconds.append(seconds)
            check_same_rows(spark_rows, duckdb_rows, events)
        ratios = [s / d for s, d in zip(spark_seconds, duckdb_seconds, strict=True)]
        figures.update(
            {
                f"{prefix}_records": dataset["records"],
                f"{prefix}_copies_of_generated": dataset.get("copies", 1),
                f"{prefix}_master_files": dataset["files"],
                f"{prefix}_master_bytes": dataset["bytes"],
                **spread(f"{prefix}_spark_seconds", spark_seconds, digits=2),
                **spread(f"{prefix}_duckdb_seconds", duckdb_seconds, digits=2),
                **spread(f"{prefix}_ratio_spark_to_duckdb", ratios, digits=2),
                **{f"{prefix}_rows_{name}": rows for name, rows in spark_rows.items()},
            }
        )
    figures.update({f"environment_{key}": value for key, value in environment().items()})
    figures["spark_master"] = settings.spark_master
    figures["spark_driver_memory"] = settings.spark_driver_memory
    figures["shuffle_partitions"] = settings.shuffle_partitions
    return figures


def dataset_root(settings: Settings, events: int, seed: int) -> Path:
    """The folder (a data directory of its own) the master dataset of `events` generated
    events with `seed` is kept in, and reused from, by `lk bench batch` and `lk bench scale`."""
    return settings.data_dir / "bench" / "batch" / f"events={events}-seed={seed}"


def spark_views(
    spark: SparkSession, settings: Settings, logic_version: str = DEFAULT_LOGIC_VERSION
) -> tuple[float, dict[str, int]]:
    """(seconds, rows per view) of the batch layer computing every view of the master dataset
    under `settings.data_dir` into a staged version, which is removed afterwards."""
    from batch_layer.batch_views import compute_views

    started = time.perf_counter()
    staged = compute_views(spark, settings, logic_version, DEFAULT_LATENESS)
    seconds = time.perf_counter() - started
    if staged.get("staging"):
        shutil.rmtree(staged["staging"], ignore_errors=True)
    return seconds, dict(staged["rows"])


def duckdb_views(
    root: Path, out: Path, logic_version: str, settings: Settings
) -> tuple[float, dict[str, int]]:
    """(seconds, rows per view) of DuckDB running the oracle's SQL of every view over the
    master dataset's event files under `root`, each view written to `out/<view>.parquet`."""
    from oracle.views_sql import oracle_sql

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    connection = _duckdb(settings)
    try:
        started = time.perf_counter()
        files = literal(str(files_in(root / "lambda" / "ingest", "run=*/events/**/*.parquet")))
        # The oracle's `events` relation over the master dataset's columns.
        connection.execute(
            "CREATE VIEW events AS SELECT event_id, user_id, action, product_id, amount, "
            "CAST(event_time AS TIMESTAMP) AS event_time, "
            'CAST("partition" AS INTEGER) AS kafka_partition, '
            'CAST("offset" AS BIGINT) AS kafka_offset, '
            "CAST(ingestion_time AS TIMESTAMP) AS kafka_timestamp "
            f"FROM read_parquet({files}, hive_partitioning = false)"
        )
        rows = {}
        for name, sql in oracle_sql(logic_version).items():
            target = literal(str(out / f"{name}.parquet"))
            rows[name] = connection.execute(
                f"COPY ({sql}) TO {target} (FORMAT parquet)"
            ).fetchone()[0]
        return time.perf_counter() - started, rows
    finally:
        connection.close()


def check_same_rows(spark_rows: dict[str, int], duckdb_rows: dict[str, int], events: int) -> None:
    """LkError (one line) unless both engines gave every view the same number of rows."""
    differ = [
        f"{name} {spark_rows.get(name)} vs {duckdb_rows.get(name)}"
        for name in sorted(set(spark_rows) | set(duckdb_rows))
        if spark_rows.get(name) != duckdb_rows.get(name)
    ]
    if differ:
        raise LkError(
            f"Spark and DuckDB disagree on the views of {events} events (rows, Spark vs DuckDB): "
            + "; ".join(differ)
        )


def _duckdb(settings: Settings):
    """An in-memory DuckDB with Spark's resources: as many threads as `local[N]` cores (all
    cores for `local[*]` or a cluster) and the Spark driver's memory, in UTC."""
    import os

    import duckdb

    master = settings.spark_master
    cores = master[len("local[") : -1] if master.startswith("local[") else ""
    threads = int(cores) if cores.isdigit() else (1 if master == "local" else os.cpu_count())
    memory = settings.spark_driver_memory.lower().rstrip("b")
    connection = duckdb.connect()
    connection.execute(f"SET threads = {threads}")
    connection.execute(f"SET memory_limit = '{memory.upper()}B'")
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def short_count(events: int) -> str:
    """100000 -> '1e5'; a number that is not a power of ten stays as it is."""
    text = str(events)
    if text.startswith("1") and set(text[1:]) <= {"0"} and len(text) > 1:
        return f"1e{len(text) - 1}"
    return text
