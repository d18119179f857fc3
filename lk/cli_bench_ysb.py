"""`lk bench ysb`: the Yahoo Streaming Benchmark run by both architectures."""

from __future__ import annotations

import argparse

from core.settings import Settings
from lk.cli_args import add_repeat_and_out, command, positive_float
from lk.output import write_figures


def register(
    bench_commands: argparse._SubParsersAction, common: argparse.ArgumentParser, summary: str
) -> None:
    """Add `lk bench ysb` (`summary`: its line of help, from the registry)."""
    bench = command(bench_commands, "ysb", summary, common, _bench_ysb)
    bench.add_argument(
        "--rate", type=positive_float, default=1000.0, help="events per second (default 1000)"
    )
    bench.add_argument(
        "--seconds",
        type=positive_float,
        default=30.0,
        help="seconds of sending per run and phase (default 30)",
    )
    add_repeat_and_out(bench, "runs, each on fresh topics")


def _bench_ysb(settings: Settings, args: argparse.Namespace) -> int:
    from benchmarks.ysb.bench import run_bench_ysb
    from benchmarks.ysb.published import plot_ysb

    figures = run_bench_ysb(settings, rate=args.rate, seconds=args.seconds, repeat=args.repeat)
    write_figures(figures, args.out, plot=plot_ysb)
    return 0
