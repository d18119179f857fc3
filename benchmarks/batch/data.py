"""The master datasets `lk bench batch` measures on, written straight from the seeded generator
in the layout an ingest run writes (see `benchmarks.batch.bench`), and kept for later runs."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from core.atomic import read_json, write_json
from core.settings import Settings
from core.spark import literal_path

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SCENARIO = "late-data"
PARTITIONS = 4
"""Kafka partitions the generated records are spread over (the topic default of `lk produce`)."""
TILE = 1_000_000
"""A larger dataset whose size is a multiple of this is made of copies of this one, moved in
time (generating 10^7 events in Python takes longer than every view of them)."""
CHUNK = 500_000
"""Records per Arrow chunk while generating (bounds the Python memory used)."""
DATASET_FILE = "dataset.json"
"""Written last into a dataset's folder: what it holds; a folder without it is incomplete."""


def master_dataset(spark: SparkSession, root: Path, events: int, seed: int) -> dict:
    """The master dataset of `events` generated logical events under `root` (as a data
    directory: `lambda/ingest/run=000001/`), written now or reused if complete; returns
    `dataset.json`: events, records (accepted, duplicates included), files, bytes, and
    `copies` of a generated `TILE`-event dataset it is made of (1: generated whole)."""
    wanted = {"events": events, "seed": seed, "scenario": SCENARIO, "partitions": PARTITIONS}
    known = read_json(root / DATASET_FILE)
    if known and all(known.get(key) == value for key, value in wanted.items()):
        return known
    shutil.rmtree(root, ignore_errors=True)
    run = root / "lambda" / "ingest" / "run=000001"
    copies = events // TILE if events > TILE and events % TILE == 0 else 1
    if copies > 1:
        tile = root.with_name(f"events={TILE}-seed={seed}")
        master_dataset(spark, tile, TILE, seed)
        records, end = _write_copies(spark, tile / "lambda" / "ingest" / "run=000001", run, copies)
    else:
        scratch = root / "_generated"
        records, end = _generate_chunks(scratch, events, seed)
        _write_as_ingest(spark, scratch, run / "events")
        shutil.rmtree(scratch)
    write_json(
        run / "offsets.json",
        {"topic": "bench-batch", "topic_id": None, "run": 1, "records": records,
         "events": records, "rejected": 0, "start": dict.fromkeys(end, 0), "end": end},
    )  # fmt: skip
    files = list((run / "events").rglob("*.parquet"))
    dataset = {
        **wanted,
        "copies": copies,
        "records": records,
        "files": len(files),
        "bytes": sum(file.stat().st_size for file in files),
    }
    write_json(root / DATASET_FILE, dataset)
    return dataset


def _generate_chunks(scratch: Path, events: int, seed: int) -> tuple[int, dict[str, int]]:
    """Write the accepted records of the generated events to Arrow-typed Parquet chunks in
    `scratch`; return (records written, next offset per partition)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq
    from kafka.partitioner.default import murmur2

    from workloads.generator import generate
    from workloads.scenarios import scenario_named

    scenario = scenario_named(SCENARIO)
    schema = pa.schema(
        [
            ("event_id", pa.string()),
            ("user_id", pa.string()),
            ("action", pa.string()),
            ("product_id", pa.string()),
            ("amount", pa.decimal128(12, 2)),
            ("event_time", pa.timestamp("ms", tz="UTC")),
            ("partition", pa.int32()),
            ("offset", pa.int64()),
            ("ingestion_time", pa.timestamp("ms", tz="UTC")),
        ]
    )
    scratch.mkdir(parents=True)
    start_ms = int(scenario.start.timestamp() * 1000)
    next_offset = [0] * PARTITIONS
    columns: dict[str, list] = {name: [] for name in schema.names}
    written = 0

    def flush() -> None:
        table = pa.table(columns, schema=schema)
        pq.write_table(table, scratch / f"chunk-{written:012d}.parquet")
        for values in columns.values():
            values.clear()

    for record in generate(scenario, seed=seed, events=events):
        partition = (murmur2(record.key) & 0x7FFFFFFF) % PARTITIONS
        offset = next_offset[partition]
        next_offset[partition] += 1
        if record.kind == "malformed":  # it takes an offset, but ingest rejects it
            continue
        event = json.loads(record.value, parse_float=Decimal)
        for name in ("event_id", "user_id", "action", "product_id"):
            columns[name].append(event[name])
        columns["amount"].append(Decimal(event["amount"]).quantize(Decimal("0.01")))
        columns["event_time"].append(record.event_time_ms)
        columns["partition"].append(partition)
        columns["offset"].append(offset)
        columns["ingestion_time"].append(start_ms + round(record.send_at * 1000))
        if len(columns["event_id"]) >= CHUNK:
            written += len(columns["event_id"])
            flush()
    if columns["event_id"]:
        written += len(columns["event_id"])
        flush()
    return written, {str(p): offset for p, offset in enumerate(next_offset)}


def _write_copies(spark: SparkSession, tile: Path, run: Path, copies: int) -> tuple[int, dict]:
    """Write `copies` of the master dataset run `tile` as run folder `run`: copy k has its
    event and ingestion times moved k spans later (a span: the tile's event-time range rounded
    up to whole days), `-k` appended to its event ids and its offsets placed after copy k-1's;
    (records written, next offset per partition)."""
    from pyspark.sql import functions as F

    from batch_layer.ingest import write_events
    from batch_layer.master_dataset import master_events

    tile_settings = Settings.from_env(data_dir=tile.parent.parent.parent)
    stored = master_events(spark, tile_settings, [tile / "events"], stored=True)
    first, last = stored.agg(F.min("event_time"), F.max("event_time")).first()
    span_days = (last - first).days + 1
    end = (read_json(tile / "offsets.json") or {})["end"]
    next_offset = F.create_map(*(F.lit(x) for p, o in end.items() for x in (int(p), int(o))))
    copies_frame = spark.range(copies).withColumnRenamed("id", "copy")
    shift = F.make_dt_interval(days=F.col("copy") * span_days)
    tiled = stored.crossJoin(F.broadcast(copies_frame)).select(
        F.when(F.col("copy") == 0, F.col("event_id"))
        .otherwise(F.concat("event_id", F.lit("-"), F.col("copy").cast("string")))
        .alias("event_id"),
        "user_id",
        "action",
        "product_id",
        "amount",
        (F.col("event_time") + shift).alias("event_time"),
        "partition",
        (F.col("offset") + F.col("copy") * next_offset[F.col("partition")]).alias("offset"),
        (F.col("ingestion_time") + shift).alias("ingestion_time"),
        F.lit(None).cast("string").alias("reason"),
    )
    write_events(tiled, run / "events")
    records = stored.count() * copies
    return records, {p: int(o) * copies for p, o in end.items()}


def _write_as_ingest(spark: SparkSession, scratch: Path, folder: Path) -> None:
    """Write the generated chunks to `folder` with the batch layer's own event writer."""
    from pyspark.sql import functions as F

    from batch_layer.ingest import write_events
    from views.events import spark_event_schema

    typed = spark.read.parquet(literal_path(scratch))
    columns = [F.col(field.name).cast(field.dataType) for field in spark_event_schema().fields]
    parsed = typed.select(
        *columns,
        F.col("partition").cast("int").alias("partition"),
        F.col("offset").cast("long").alias("offset"),
        F.col("ingestion_time").cast("timestamp").alias("ingestion_time"),
        F.lit(None).cast("string").alias("reason"),
    )  # the shape of views.parse.parse_events' accepted rows
    write_events(parsed, folder)
