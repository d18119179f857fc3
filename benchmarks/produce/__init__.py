"""`lk bench produce`: our producer's records/s against Kafka's ProducerPerformance."""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks.registry import Benchmark
from core.flag_types import positive_int
from core.settings import Settings


def add_flags(parser: argparse.ArgumentParser) -> None:
    """--events and --partitions."""
    parser.add_argument(
        "--events",
        type=positive_int,
        default=200_000,
        help="events per run, duplicates and malformed records on top (default 200000)",
    )
    parser.add_argument("--partitions", type=positive_int, default=4)


def measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """The figures of `benchmarks.produce.bench.run_bench_produce`."""
    from benchmarks.produce.bench import run_bench_produce

    return run_bench_produce(
        settings, events=args.events, partitions=args.partitions, repeat=args.repeat
    )


def plot(figures: dict[str, Any]) -> Any:
    """`benchmarks.produce.plot.plot_produce`."""
    from benchmarks.produce.plot import plot_produce

    return plot_produce(figures)


BENCHMARK = Benchmark(
    name="produce",
    order=10,
    summary="our producer against Kafka's ProducerPerformance",
    reference="Kafka's ProducerPerformance, same producer settings, records and mean size",
    runs="runs of both producers",
    add_flags=add_flags,
    measure=measure,
    plot=plot,
)
