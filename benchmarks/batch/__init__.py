"""`lk bench batch`: the batch layer's recompute against DuckDB running the oracle's SQL."""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks.registry import Benchmark
from core.flag_types import event_counts
from core.settings import Settings

DEFAULT_SIZES = (100_000, 1_000_000, 10_000_000)
"""Logical events per dataset when `--events` is not given."""


def add_flags(parser: argparse.ArgumentParser) -> None:
    """--events (sizes) and --seed."""
    parser.add_argument(
        "--events",
        type=event_counts,
        action="extend",
        metavar="N[,N...]",
        help="logical events per dataset, e.g. 1e5,1e6 or the flag again (default 1e5,1e6,1e7)",
    )
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")


def measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """The figures of `benchmarks.batch.bench.run_bench_batch`."""
    from benchmarks.batch.bench import run_bench_batch

    sizes = args.events or list(DEFAULT_SIZES)
    return run_bench_batch(settings, sizes=sizes, repeat=args.repeat, seed=args.seed)


def plot(figures: dict[str, Any]) -> Any:
    """`benchmarks.batch.plot.plot_batch`."""
    from benchmarks.batch.plot import plot_batch

    return plot_batch(figures)


BENCHMARK = Benchmark(
    name="batch",
    order=20,
    summary="the batch layer's view recompute against DuckDB on the same Parquet",
    reference="DuckDB running the oracle's SQL over the same Parquet files",
    runs="runs of both engines per size",
    add_flags=add_flags,
    measure=measure,
    plot=plot,
    make_flags="--events 1e5,1e6",
    make_note="the default adds 1e7: 15-25 min more",
)
