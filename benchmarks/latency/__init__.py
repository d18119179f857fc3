"""`lk bench latency`: window latency of the live streams at fixed rates, until they saturate."""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks.registry import Benchmark
from core.flag_types import positive_float, rate_list
from core.settings import Settings

LATENCY_RATES = (1000.0, 5000.0, 10000.0)
"""Events/s of the default steps (issue 12: 1k, 5k, 10k and up)."""
LATENCY_SECONDS = 30.0
"""Seconds of sending per rate: about 90 windows of `action_counts` per rate (30 minutes of event
time at the baseline scenario's 60x, three actions)."""
LATENCY_WARMUP_SECONDS = 15.0
"""Seconds of warm-up at the first rate, reported apart as the `cold` figures."""


def add_flags(parser: argparse.ArgumentParser) -> None:
    """--rates, --seconds and --warmup."""
    rates = ",".join(f"{rate:g}" for rate in LATENCY_RATES)
    parser.add_argument(
        "--rates",
        type=rate_list,
        default=list(LATENCY_RATES),
        metavar="R[,R...]",
        help=f"events/s, one step each, ascending; stops after the first one not sustained "
        f"(default {rates})",
    )
    parser.add_argument(
        "--seconds",
        type=positive_float,
        default=LATENCY_SECONDS,
        help=f"seconds of sending per rate (default {LATENCY_SECONDS:g})",
    )
    parser.add_argument(
        "--warmup",
        type=positive_float,
        default=LATENCY_WARMUP_SECONDS,
        help="seconds of sending at the first rate before the measured rates, reported apart as "
        f"the `cold` figures (default {LATENCY_WARMUP_SECONDS:g})",
    )


def measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """The figures of `benchmarks.latency.bench.run_bench_latency`."""
    from benchmarks.latency.bench import run_bench_latency

    return run_bench_latency(
        settings, rates=args.rates, seconds=args.seconds, warmup=args.warmup, repeat=args.repeat
    )


def plot(figures: dict[str, Any]) -> Any:
    """`benchmarks.latency.bench.plot_latency`."""
    from benchmarks.latency.bench import plot_latency

    return plot_latency(figures)


BENCHMARK = Benchmark(
    name="latency",
    order=70,
    summary="window latency (p50/p95/p99) of the speed layer and Kappa's live job at fixed rates "
    "until they saturate, against a bare Spark query; lag and the highest sustainable rate",
    reference="a bare Spark streaming query fed the same rates",
    runs="runs, each on fresh topics",
    add_flags=add_flags,
    measure=measure,
    plot=plot,
)
