"""`lk bench lambda`: batch-layer events/s and speed-layer micro-batch latency, each as a ratio
to a reference measured in the same run on the same broker and Spark.

- Batch: one `lk lambda batch` run (ingest + views + publish) over N events, against Kafka's
  ConsumerPerformance reading the same topic and a bare Spark read of it (`count()`).
- Speed: the speed layer's one query (every view from one read, parse and dedup) running
  continuously while events arrive at a paced rate, against a bare streaming query on the same
  topic (parse only, one file per micro-batch). Latency is Spark's own `triggerExecution` time
  of each micro-batch that had input.

With `repeat` > 1 each run has its own fresh topic and data directory, and every figure that is
measured is reported as the median with min and max over the runs (`experiments.figures.spread`).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

from architectures.lambda_architecture import run_batch
from benchmarks.harness.kafka_reference import (
    consumer_performance,
    fresh_workspace,
    spark_read_rate,
)
from core.layout import Layout, StreamPaths
from core.settings import Settings
from core.spark import spark_session
from experiments.figures import environment, percentile, spread
from speed_layer.job import speed_options
from streaming.options import StreamOptions
from streaming.progress import listen
from streaming.runner import follow, start_queries
from streaming.source import kafka_source
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import scenario_named

SPEED_SECONDS = 20.0
"""How long events stream in while latency is measured (per measured job)."""


MEASURED = {
    "consumer_performance_records_per_second": 0,
    "spark_read_count_records_per_second": 0,
    "batch_seconds": 2,
    "batch_ingest_seconds": 2,
    "batch_views_seconds": 2,
    "batch_events_per_second": 0,
    "ratio_batch_to_consumer_performance": 4,
    "ratio_batch_to_spark_read": 4,
    "speed_latency_p50_ms": 1,
    "speed_latency_p99_ms": 1,
    "reference_latency_p50_ms": 1,
    "reference_latency_p99_ms": 1,
    "ratio_speed_p50_to_reference": 3,
    "ratio_speed_p99_to_reference": 3,
}
"""The figures each run measures, with the digits they are reported to (0: whole numbers)."""


def run_bench_lambda(
    settings: Settings,
    *,
    events: int,
    rate: float,
    stream_seconds: float = SPEED_SECONDS,
    repeat: int = 1,
) -> dict:
    """Figures of `repeat` runs, each on a fresh topic and data directory (both removed after):
    the MEASURED figures as median, min and max; counts of the first run; the environment."""
    runs = [_one_run(settings, events, rate, stream_seconds) for _ in range(repeat)]
    first = runs[0]
    figures: dict = {"events": events, "records": first["records"], "repeat": repeat}
    for name, digits in MEASURED.items():
        values = [run[name] for run in runs if run[name] is not None]
        figures.update(spread(name, values, digits=digits or None) if values else {name: None})
    figures.update(
        {
            "speed_rate_events_per_second": rate,
            "speed_micro_batches": first["speed_micro_batches"],
            "reference_micro_batches": first["reference_micro_batches"],
            "speed_dropped_late": first["speed_dropped_late"],
            "reference_lag_at_end": first["reference_lag_at_end"],
            "note": "latency = Spark's triggerExecution time of micro-batches that had input",
        }
    )
    figures.update({f"environment_{key}": value for key, value in environment().items()})
    figures["spark_master"] = settings.spark_master
    figures["stream_shuffle_partitions"] = settings.stream_shuffle_partitions
    return figures


def _one_run(settings: Settings, events: int, rate: float, stream_seconds: float) -> dict:
    """One run's figures (unrounded ratios) on a fresh topic and data directory."""
    scenario = scenario_named("late-data")
    with fresh_workspace(settings, "lambda") as bench:
        sent = send_records(
            generate(scenario, seed=3, events=events), bench.bootstrap, bench.topic,
            show_progress=False,
        )  # fmt: skip
        figures = {"records": sent.records}
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
        "consumer_performance_records_per_second": reference["total"],
        "spark_read_count_records_per_second": spark_read,
        "batch_seconds": result["seconds"],
        "batch_ingest_seconds": ingest_seconds,
        "batch_views_seconds": views_seconds,
        "batch_events_per_second": batch_rate,
        "ratio_batch_to_consumer_performance": batch_rate / reference["total"],
        "ratio_batch_to_spark_read": batch_rate / spark_read,
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
        lambda: _bare_queries(
            spark, settings, layout.data_dir / "bench-reference", reference_options
        ),
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
        "speed_micro_batches": len(ours),
        "speed_latency_p50_ms": _percentile(ours, 50),
        "speed_latency_p99_ms": _percentile(ours, 99),
        "reference_latency_p50_ms": _percentile(base, 50),
        "reference_latency_p99_ms": _percentile(base, 99),
        "ratio_speed_p50_to_reference": _ratio(_percentile(ours, 50), _percentile(base, 50)),
        "ratio_speed_p99_to_reference": _ratio(_percentile(ours, 99), _percentile(base, 99)),
        "speed_dropped_late": speed["dropped_late"],
        "reference_micro_batches": len(base),
        "reference_lag_at_end": reference["lag"],
    }


def _bare_queries(spark, settings: Settings, root: Path, options: StreamOptions) -> list:
    """The reference job: the same source and parse, one file per micro-batch, no views; its
    progress recorded under `root/progress` as the jobs' is."""
    from views.parse import accepted_events, parse_events

    raw = kafka_source(spark, settings, options)  # options start at "latest"
    name = f"reference-events-{uuid.uuid4().hex[:6]}"
    listener = listen(spark, StreamPaths(root), options, name)
    query = (
        accepted_events(parse_events(raw))
        .writeStream.queryName(name)
        .option("checkpointLocation", str(root / "checkpoints" / "events"))
        .trigger(processingTime=options.trigger)
        .foreachBatch(_one_file_per_micro_batch(root / "views" / "events"))
        .start()
    )
    query.progress = listener
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
    """Start a job, send `rate` × `seconds` events paced at `rate`, stop it; its summary.
    The events are generated before the job starts: generating them while it runs would take
    the driver's Python (and its GIL) from the job being measured."""
    events = int(rate * seconds)
    paced = replace(scenario, rate=rate)
    records = list(generate(paced, seed=seed, events=events))
    queries = start()
    stop = threading.Event()
    result: dict = {}

    def watch() -> None:
        result.update(follow(queries, paths, options, stop=stop))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    time.sleep(5)  # let every query finish its first (empty) micro-batch
    send_records(
        records, settings.bootstrap, settings.topic, paced=True, total=len(records),
        show_progress=False,
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
    found = percentile(values, percent)
    return None if found is None else round(found, 1)


def _ratio(ours: float | None, reference: float | None) -> float | None:
    return ours / reference if ours and reference else None
