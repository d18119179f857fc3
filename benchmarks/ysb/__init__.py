"""`lk bench ysb`: the Yahoo Streaming Benchmark, run by both architectures.

All of YSB lives here, apart from the measured pipelines: `generator` (its workload: ad events and
the ad → campaign map), `query` (its query as DataFrame functions), `job` (the streaming job:
Kappa's job and Lambda's speed path), `batch` (Lambda's batch recompute over the stored log),
`run` (running a query while sending), `truth` (the second opinion in plain Python),
`published` (published figures) and `bench` (the benchmark itself).
"""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks.registry import Benchmark
from core.flag_types import positive_float
from core.settings import Settings


def add_flags(parser: argparse.ArgumentParser) -> None:
    """--rate and --seconds."""
    parser.add_argument(
        "--rate", type=positive_float, default=1000.0, help="events per second (default 1000)"
    )
    parser.add_argument(
        "--seconds",
        type=positive_float,
        default=30.0,
        help="seconds of sending per run and phase (default 30)",
    )


def measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """The figures of `benchmarks.ysb.bench.run_bench_ysb`."""
    from benchmarks.ysb.bench import run_bench_ysb

    return run_bench_ysb(settings, rate=args.rate, seconds=args.seconds, repeat=args.repeat)


def plot(figures: dict[str, Any]) -> Any:
    """`benchmarks.ysb.published.plot_ysb`: ours beside the published figures."""
    from benchmarks.ysb.published import plot_ysb

    return plot_ysb(figures)


BENCHMARK = Benchmark(
    name="ysb",
    order=60,
    summary="the Yahoo Streaming Benchmark: YSB latency, throughput and counts, both architectures",
    reference="a bare streaming query counting records per window; published YSB figures per core",
    runs="runs, each on fresh topics",
    add_flags=add_flags,
    measure=measure,
    plot=plot,
)
