"""`lk bench scale`: the cost curve of correcting everything, at several data sizes."""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks.batch import DEFAULT_SIZES
from benchmarks.registry import Benchmark
from core.flag_types import event_counts, positive_int
from core.settings import DEFAULT_REPLAY_MAX_OFFSETS, Settings


def add_flags(parser: argparse.ArgumentParser) -> None:
    """--events (sizes), --replay-max-offsets and --seed."""
    parser.add_argument(
        "--events",
        type=event_counts,
        action="extend",
        metavar="N[,N...]",
        help="logical events per size, at least two sizes, e.g. 1e5,1e6 (default 1e5,1e6,1e7)",
    )
    parser.add_argument(
        "--replay-max-offsets",
        type=positive_int,
        default=DEFAULT_REPLAY_MAX_OFFSETS,
        help=f"records per micro-batch of the replay (default {DEFAULT_REPLAY_MAX_OFFSETS})",
    )
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")


def measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """The figures of `benchmarks.scale.bench.run_bench_scale`."""
    from benchmarks.scale.bench import run_bench_scale

    return run_bench_scale(
        settings,
        sizes=args.events or list(DEFAULT_SIZES),
        repeat=args.repeat,
        seed=args.seed,
        replay_max_offsets=args.replay_max_offsets,
    )


def plot(figures: dict[str, Any]) -> Any:
    """`benchmarks.scale.plot.plot_scale`."""
    from benchmarks.scale.plot import plot_scale

    return plot_scale(figures)


BENCHMARK = Benchmark(
    name="scale",
    order=50,
    summary="the cost curve: recompute (vs DuckDB) and replay (vs ConsumerPerformance) time and "
    "peak memory at several sizes, fitted as fixed cost + events / rate",
    reference="DuckDB (recompute) and Kafka's ConsumerPerformance (replay), at each size",
    runs="runs of each path and reference per size",
    add_flags=add_flags,
    measure=measure,
    plot=plot,
    make_flags="--events 1e5,3e5,1e6",
    make_note="the default 1e5,1e6,1e7; reuses batch's datasets, so it runs after batch",
)
