"""`lk bench scale`: recompute and replay time and peak memory at several data sizes, with the
fitted cost curve (fixed cost + events / rate)."""

from __future__ import annotations

import argparse

from core.settings import DEFAULT_REPLAY_MAX_OFFSETS, Settings
from lk.cli_args import add_repeat_and_out, command, event_counts, positive_int
from lk.output import write_figures


def register(
    bench_commands: argparse._SubParsersAction, common: argparse.ArgumentParser, summary: str
) -> None:
    """Add `lk bench scale` (`summary`: its line of help, from the registry)."""
    scale = command(bench_commands, "scale", summary, common, _bench_scale)
    scale.add_argument(
        "--events",
        type=event_counts,
        action="extend",
        metavar="N[,N...]",
        help="logical events per size, at least two sizes, e.g. 1e5,1e6 (default 1e5,1e6,1e7)",
    )
    scale.add_argument(
        "--replay-max-offsets",
        type=positive_int,
        default=DEFAULT_REPLAY_MAX_OFFSETS,
        help=f"records per micro-batch of the replay (default {DEFAULT_REPLAY_MAX_OFFSETS})",
    )
    scale.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    add_repeat_and_out(scale, "runs of each path and reference per size")


def _bench_scale(settings: Settings, args: argparse.Namespace) -> int:
    from benchmarks.plots import plot_scale
    from benchmarks.scale.bench import DEFAULT_SIZES, run_bench_scale

    figures = run_bench_scale(
        settings,
        sizes=args.events or list(DEFAULT_SIZES),
        repeat=args.repeat,
        seed=args.seed,
        replay_max_offsets=args.replay_max_offsets,
    )
    write_figures(figures, args.out, plot=plot_scale)
    return 0
