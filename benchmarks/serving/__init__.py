"""`lk bench serving`: `lk query`'s queries while the streams write, against no writer."""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks.registry import Benchmark
from core.flag_types import positive_float
from core.settings import Settings

SERVING_RATE = 1000.0
"""Events/s sent while the queries run under write."""
SERVING_SECONDS = 30.0
"""Seconds of sending under write (the idle phase runs as many rounds of queries)."""


def add_flags(parser: argparse.ArgumentParser) -> None:
    """--rate and --seconds."""
    parser.add_argument(
        "--rate",
        type=positive_float,
        default=SERVING_RATE,
        help=f"events/s sent while the queries run under write (default {SERVING_RATE:g})",
    )
    parser.add_argument(
        "--seconds",
        type=positive_float,
        default=SERVING_SECONDS,
        help=f"seconds of sending under write (default {SERVING_SECONDS:g})",
    )


def measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """The figures of `benchmarks.serving.bench.run_bench_serving`."""
    from benchmarks.serving.bench import run_bench_serving

    return run_bench_serving(settings, rate=args.rate, seconds=args.seconds, repeat=args.repeat)


def plot(figures: dict[str, Any]) -> Any:
    """`benchmarks.serving.bench.plot_serving`."""
    from benchmarks.serving.bench import plot_serving

    return plot_serving(figures)


BENCHMARK = Benchmark(
    name="serving",
    order=80,
    summary="lk query latency (p50/p99) on the merged views while the speed layer and Kappa write, "
    "against the same queries with no writer",
    reference="the same queries on the same catalog with no writer",
    runs="runs, each on a fresh topic",
    add_flags=add_flags,
    measure=measure,
    plot=plot,
)
