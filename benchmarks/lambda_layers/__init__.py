"""`lk bench lambda`: the batch layer's events/s and the speed layer's micro-batch latency."""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks.registry import Benchmark
from core.flag_types import positive_float, positive_int
from core.settings import Settings


def add_flags(parser: argparse.ArgumentParser) -> None:
    """--events, --rate and --stream-seconds."""
    parser.add_argument("--events", type=positive_int, default=100_000, help="default 100000")
    parser.add_argument(
        "--rate",
        type=positive_float,
        default=2000,
        help="events/s while the speed layer runs (default 2000)",
    )
    parser.add_argument(
        "--stream-seconds",
        type=positive_float,
        help="seconds events stream in per measured streaming job (default 20)",
    )


def measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """The figures of `benchmarks.lambda_layers.bench.run_bench_lambda`."""
    from benchmarks.lambda_layers.bench import run_bench_lambda

    given = {"stream_seconds": args.stream_seconds} if args.stream_seconds else {}
    return run_bench_lambda(
        settings, events=args.events, rate=args.rate, repeat=args.repeat, **given
    )


def plot(figures: dict[str, Any]) -> Any:
    """`benchmarks.lambda_layers.plot.plot_lambda`."""
    from benchmarks.lambda_layers.plot import plot_lambda

    return plot_lambda(figures)


BENCHMARK = Benchmark(
    name="lambda",
    order=30,
    summary="batch events/s and speed micro-batch latency (p50, p99) on a fresh topic",
    reference="Kafka's ConsumerPerformance and a bare Spark read (batch); a bare streaming query "
    "(speed)",
    runs="runs, each on a fresh topic",
    add_flags=add_flags,
    measure=measure,
    plot=plot,
)
