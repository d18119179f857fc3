"""`lk bench <name>`: one subcommand per benchmark of `benchmarks.registry.BENCHMARKS`, in its
order and with its line of help; the flags of each are added by the function `FLAGS` names
(`lk bench produce` and `lk bench batch` here, the others beside their commands)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from benchmarks.registry import BENCHMARKS
from core.settings import Settings
from lk import cli_bench_live, cli_bench_scale, cli_bench_ysb, cli_kappa, cli_lambda
from lk.cli_args import add_repeat_and_out, command, command_group, event_counts, positive_int
from lk.output import write_figures

Adder = Callable[[argparse._SubParsersAction, argparse.ArgumentParser, str], None]


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `lk bench` and, in the registry's order, each `lk bench <name>`."""
    bench_commands = command_group(
        commands, "bench", "scripted benchmarks, as ratios to a reference", common
    )
    for benchmark in BENCHMARKS:
        FLAGS[benchmark.name](bench_commands, common, benchmark.summary)


def _produce(
    bench_commands: argparse._SubParsersAction, common: argparse.ArgumentParser, summary: str
) -> None:
    bench_produce = command(bench_commands, "produce", summary, common, _bench_produce)
    bench_produce.add_argument(
        "--events",
        type=positive_int,
        default=200_000,
        help="events per run, duplicates and malformed records on top (default 200000)",
    )
    bench_produce.add_argument("--partitions", type=positive_int, default=4)
    add_repeat_and_out(bench_produce, "runs of both producers")


def _batch(
    bench_commands: argparse._SubParsersAction, common: argparse.ArgumentParser, summary: str
) -> None:
    bench_batch = command(bench_commands, "batch", summary, common, _bench_batch)
    bench_batch.add_argument(
        "--events",
        type=event_counts,
        action="extend",
        metavar="N[,N...]",
        help="logical events per dataset, e.g. 1e5,1e6 or the flag again (default 1e5,1e6,1e7)",
    )
    add_repeat_and_out(bench_batch, "runs of both engines per size")
    bench_batch.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")


def _bench_produce(settings: Settings, args: argparse.Namespace) -> int:
    from benchmarks.plots import plot_produce
    from benchmarks.produce import run_bench_produce

    figures = run_bench_produce(
        settings, events=args.events, partitions=args.partitions, repeat=args.repeat
    )
    write_figures(figures, args.out, plot=plot_produce)
    return 0


def _bench_batch(settings: Settings, args: argparse.Namespace) -> int:
    from benchmarks.batch.bench import DEFAULT_SIZES, run_bench_batch
    from benchmarks.plots import plot_batch

    sizes = args.events or list(DEFAULT_SIZES)
    figures = run_bench_batch(settings, sizes=sizes, repeat=args.repeat, seed=args.seed)
    write_figures(figures, args.out, plot=plot_batch)
    return 0


FLAGS: dict[str, Adder] = {
    "produce": _produce,
    "batch": _batch,
    "lambda": cli_lambda.register_bench,
    "replay": cli_kappa.register_bench,
    "scale": cli_bench_scale.register,
    "ysb": cli_bench_ysb.register,
    "latency": cli_bench_live.register_latency,
    "serving": cli_bench_live.register_serving,
}
"""Per benchmark of the registry, the function that adds its subcommand with its flags."""
