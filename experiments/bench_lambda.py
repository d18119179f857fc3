"""`lk bench lambda`: batch-layer events/s and speed-layer micro-batch latency, each as a ratio
to a reference measured in the same run on the same broker and Spark.

- Batch: one `lk lambda batch` run (ingest + views + publish) over N events, against Kafka's
  ConsumerPerformance reading the same topic and a bare Spark read of it (`count()`).
- Speed: the four view queries running continuously while events arrive at a paced rate,
  against a bare streaming query on the same topic (parse only, one file per micro-batch).
  Latency is Spark's own `triggerExecution` time of each micro-batch that had input.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

from architectures.lambda_architecture import run_batch
from core.layout import Layout, StreamPaths
from core.settings import Settings
from core.spark import spark_session
from experiments.kafka_reference import consumer_performance, fresh_workspace, spark_read_rate
from speed_layer.job import speed_options
from streaming.options import StreamOptions
from streaming.runner import follow, start_queries
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import scenario_named

SPEED_SECONDS = 20.0
"""How long events stream in while latency is measured (per measured job)."""


def run_bench_lambda(
    settings: Settings, *, events: int, rate: float, stream_seconds: float = SPEED_SECONDS
) -> dict:
    """Figures for one run on a fresh topic and data directory, both removed afterwards."""
    scenario = scenario_named("late-data")
    with fresh_workspace(settings, "lambda") as bench:
        sent = send_records(
            generate(scenario, seed=3, events=events), bench.bootstrap, bench.topic,
            show_progress=False,
        )  # fmt: skip
        figures = {"events": events, "records": sent.records}
        figures.update(_batch_figures(bench, sent.records))
        figures.update(_speed_figures(bench, scenario, rate, stream_seconds))
    return figures


def _batch_figures(settings: Settings, records: int) -> dict:
    reference = consumer_performance(settings.bootstrap, settings.topic, records)
    spark_read = spark_read_rate(settings, records)
    result = run_batch(settings)
    ingest_seconds = result["ingest"]["seconds"]
    views_seconds = result["views"]["seconds"]
    batch_rate = records / result["seconds"]
    return {
        "consumer_performance_records_per_second": round(reference["total"]),
        "spark_read_count_records_per_second": round(spark_read),
        "batch_seconds": result["seconds"],
        "batch_ingest_seconds": ingest_seconds,
        "batch_views_seconds": views_seconds,
        "batch_events_per_second": round(batch_rate),
        "ratio_batch_to_consumer_performance": round(batch_rate / reference["total"], 4),
        "ratio_batch_to_spark_read": round(batch_rate / spark_read, 4),
    }


def _speed_figures(settings: Settings, scenario, rate: float, seconds: float) -> dict:
    spark = spark_session(settings, "lk-bench-lambda")
    layout = Layout(settings.data_dir)
    options = speed_options(until_caught_up=False)
    # Both jobs start at the end of the log: they measure only what streams in now.
    options = replace(options, starting_offsets="latest")
    reference_options = replace(options, name="reference")
    reference = _stream_while_sending(
        settings,
        scenario,
        rate,
        lambda: _bare_queries(spark, settings, layout.data_dir / "bench-reference", options),
        StreamPaths(layout.data_dir / "bench-reference"),
        reference_options,
        seed=4,
        seconds=seconds,
    )
    speed = _stream_while_sending(
        settings,
        scenario,
        rate,
        lambda: start_queries(spark, settings, layout.speed, options),
        layout.speed,
        options,
        seed=5,
        seconds=seconds,
    )
    ours, base = (
        _latencies(layout.speed.progress),
        _latencies(layout.data_dir / "bench-reference" / "progress"),
    )
    return {
        "speed_rate_events_per_second": rate,
        "speed_micro_batches": len(ours),
        "speed_latency_p50_ms": _percentile(ours, 50),
        "speed_latency_p99_ms": _percentile(ours, 99),
        "reference_latency_p50_ms": _percentile(base, 50),
        "reference_latency_p99_ms": _percentile(base, 99),
        "ratio_speed_p50_to_reference": _ratio(_percentile(ours, 50), _percentile(base, 50)),
        "ratio_speed_p99_to_reference": _ratio(_percentile(ours, 99), _percentile(base, 99)),
        "speed_dropped_late": speed["dropped_late"],
        "reference_micro_batches": len(base),
        "note": "latency = Spark's triggerExecution time of micro-batches that had input",
        "reference_lag_at_end": reference["lag"],
    }


def _bare_queries(spark, settings: Settings, root: Path, options: StreamOptions) -> list:
    """The reference job: the same source and parse, one file per micro-batch, no views."""
    from views.parse import accepted_events, parse_events

    raw = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", settings.bootstrap)
        .option("subscribe", settings.topic)
        .option("startingOffsets", "latest")
        .load()
    )
    query = (
        accepted_events(parse_events(raw))
        .writeStream.queryName(f"reference-events-{uuid.uuid4().hex[:6]}")
        .option("checkpointLocation", str(root / "checkpoints" / "events"))
        .trigger(processingTime=options.trigger)
        .foreachBatch(_one_file_per_micro_batch(root / "views" / "events"))
        .start()
    )
    return [query]


def _one_file_per_micro_batch(folder: Path):
    """The reference's sink: each micro-batch's rows as one Parquet file, as the jobs write."""
    import pyarrow.parquet as pq

    from core.atomic import write_atomically

    def write(batch, batch_id: int) -> None:
        table = batch.toArrow()
        target = folder / f"batch-{batch_id:09d}.parquet"
        write_atomically(target, lambda temporary: pq.write_table(table, temporary))

    return write


def _stream_while_sending(
    settings, scenario, rate, start, paths, options, *, seed: int, seconds: float
) -> dict:
    queries = start()
    stop = threading.Event()
    result: dict = {}

    def watch() -> None:
        result.update(follow(queries, paths, options, poll_seconds=0.5, stop=stop))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    time.sleep(5)  # let every query finish its first (empty) micro-batch
    events = int(rate * seconds)
    paced = replace(scenario, rate=rate)
    send_records(
        generate(paced, seed=seed, events=events), settings.bootstrap, settings.topic,
        paced=True, total=events, show_progress=False,
    )  # fmt: skip
    time.sleep(3)  # the last micro-batches
    stop.set()
    watcher.join(timeout=120)
    return result


def _latencies(progress: Path) -> list[float]:
    durations = []
    for file in progress.glob("*/*.json"):
        batch = json.loads(file.read_text())
        if batch.get("input_rows") and batch.get("duration_ms") is not None:
            durations.append(float(batch["duration_ms"]))
    return sorted(durations)


def _percentile(values: list[float], percent: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(percent) - 1], 1)


def _ratio(ours: float | None, reference: float | None) -> float | None:
    return round(ours / reference, 3) if ours and reference else None
