"""`lk bench replay`: a Kappa replay's records/s against Kafka's ConsumerPerformance."""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks.registry import Benchmark
from core.flag_types import positive_int
from core.settings import DEFAULT_REPLAY_MAX_OFFSETS, Settings


def add_flags(parser: argparse.ArgumentParser) -> None:
    """--events and --replay-max-offsets."""
    parser.add_argument("--events", type=positive_int, default=1_000_000, help="default 1000000")
    parser.add_argument(
        "--replay-max-offsets",
        type=positive_int,
        default=DEFAULT_REPLAY_MAX_OFFSETS,
        help=f"records per micro-batch of the replay (default {DEFAULT_REPLAY_MAX_OFFSETS})",
    )


def measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """The figures of `benchmarks.replay.bench.run_bench_replay`."""
    from benchmarks.replay.bench import run_bench_replay

    return run_bench_replay(
        settings,
        events=args.events,
        replay_max_offsets=args.replay_max_offsets,
        repeat=args.repeat,
    )


def plot(figures: dict[str, Any]) -> Any:
    """`benchmarks.replay.plot.plot_replay`."""
    from benchmarks.replay.plot import plot_replay

    return plot_replay(figures)


BENCHMARK = Benchmark(
    name="replay",
    order=40,
    summary="Kappa replay records/s against ConsumerPerformance on a fresh topic",
    reference="Kafka's ConsumerPerformance, a bare Spark read, a Spark batch job on the same views",
    runs="runs, each on a fresh topic",
    add_flags=add_flags,
    measure=measure,
    plot=plot,
    make_flags="--events 500000",
)
