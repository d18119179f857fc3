"""`lk bench parse`: records/s of the record parse alone (`views.parse.parse_events`: the fast
path for the generator's shape, the strict path with every rejection reason for the rest) against
a bare `from_json` with the event schema and no checks, both over the same Kafka-shaped rows in
Parquet, in one warm Spark session. No broker is needed.

Both sides read the same Parquet file and end in the same aggregate (count and a hash of every
output column), so the ratio is the parse's own cost: 1 would mean it costs no more than Spark's
plainest JSON read (figures: docs/benchmarks.md#parse).
"""

from __future__ import annotations

import argparse
import time
import uuid
from typing import Any

from benchmarks.registry import Benchmark
from core.flag_types import positive_int
from core.settings import Settings
from workloads.scenarios import SCENARIOS


def add_flags(parser: argparse.ArgumentParser) -> None:
    """--events, --scenario and --seed."""
    parser.add_argument(
        "--events",
        type=positive_int,
        default=1_000_000,
        help="logical events, duplicates and malformed records on top (default 1000000)",
    )
    parser.add_argument(
        "--scenario",
        default="dirty",
        choices=list(SCENARIOS),
        help="the generator's preset: `dirty` sends malformed records that take the strict path "
        "(default dirty)",
    )
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")


def measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """Figures: `records`, `rejected` (records the parse rejects), `parse_records_per_second`,
    `from_json_records_per_second` and `ratio_parse_to_from_json` (median, min and max over
    `args.repeat` timed runs of each, after one untimed run of each to warm the JVM), and the
    environment."""
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyspark.sql import functions as F

    from core.spark import spark_session
    from experiments.figures import environment, spread
    from views.events import spark_event_schema
    from views.parse import parse_events
    from workloads.generator import generate

    records = list(generate(SCENARIOS[args.scenario], args.seed, events=args.events))
    appended_ms = max(record.event_time_ms or 0 for record in records) + 1000
    folder = settings.data_dir / "bench" / f"parse-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    try:
        path = folder / "records.parquet"
        pq.write_table(
            pa.table(
                {
                    "topic": ["bench-parse"] * len(records),
                    "partition": pa.array([0] * len(records), pa.int32()),
                    "offset": list(range(len(records))),
                    "timestamp": pa.array([appended_ms] * len(records), pa.timestamp("ms", "UTC")),
                    "value": pa.array([record.value for record in records], pa.binary()),
                }
            ),
            path,
        )
        spark = spark_session(settings, "lk-bench-parse")
        raw = spark.read.parquet(str(path))

        def parse():
            return parse_events(raw)

        def bare():
            return raw.select(
                F.from_json(F.col("value").cast("string"), spark_event_schema()).alias("event")
            ).select("event.*")

        def timed(frame) -> tuple[float, list]:
            started = time.perf_counter()
            out = frame()
            row = out.agg(F.count("*"), F.sum(F.hash(*out.columns))).collect()[0]
            return time.perf_counter() - started, list(row)

        rejected = parse().where(F.col("reason").isNotNull()).count()
        timed(parse), timed(bare)  # warm-up: JIT, the file in the page cache
        parse_rates, bare_rates, ratios = [], [], []
        for _ in range(args.repeat):
            parse_seconds, (parsed, _) = timed(parse)
            bare_seconds, (read, _) = timed(bare)
            if parsed != len(records) or read != len(records):
                raise RuntimeError(f"{len(records)} records in, parse {parsed}, from_json {read}")
            parse_rates.append(len(records) / parse_seconds)
            bare_rates.append(len(records) / bare_seconds)
            ratios.append(bare_seconds / parse_seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    figures: dict[str, Any] = {"records": len(records), "rejected": rejected}
    figures |= spread("parse_records_per_second", parse_rates)
    figures |= spread("from_json_records_per_second", bare_rates)
    figures |= spread("ratio_parse_to_from_json", ratios, digits=3)
    figures |= {f"environment_{key}": value for key, value in environment().items()}
    return figures


def plot(figures: dict[str, Any]) -> Any:
    """Records/s of the parse and of a bare `from_json`, the ratio written under the title."""
    import plotly.graph_objects as go

    from benchmarks.harness.plotting import OURS, REFERENCE, bar, layout, ratio_text

    figure = go.Figure(
        [
            bar(figures, "parse_events", "parse_records_per_second", OURS),
            bar(figures, "bare from_json", "from_json_records_per_second", REFERENCE),
        ]
    )
    title = f"lk bench parse: {figures['records']:,} records, {figures['rejected']:,} rejected"
    note = f"parse ÷ from_json {ratio_text(figures, 'ratio_parse_to_from_json')}"
    return layout(figure, title, "records/s", note)


BENCHMARK = Benchmark(
    name="parse",
    order=45,
    summary="records/s of the record parse alone (every rule, every rejection reason) against a "
    "bare from_json, on the same rows in one warm session",
    reference="Spark's from_json with the event schema and no checks, same Parquet and aggregate",
    runs="timed runs of each",
    add_flags=add_flags,
    measure=measure,
    plot=plot,
)
