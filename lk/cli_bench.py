"""`lk bench <name>`: one subcommand per benchmark that `benchmarks.registry` finds, in its order,
with its line of help and its own flags, plus `--repeat` and `--out` for every one."""

from __future__ import annotations

import argparse

from benchmarks.registry import Benchmark, benchmarks
from core.settings import Settings
from lk.cli_args import add_repeat_and_out, command, command_group
from lk.output import write_figures


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `lk bench` and each `lk bench <name>`."""
    bench_commands = command_group(
        commands, "bench", "scripted benchmarks, as ratios to a reference", common
    )
    for item in benchmarks():
        parser = command(bench_commands, item.name, item.summary, common, _runner(item))
        item.add_flags(parser)
        add_repeat_and_out(parser, item.runs)


def _runner(item: Benchmark):
    """The command's action: measure, print the figures, write them (and the plot) to --out."""

    def run(settings: Settings, args: argparse.Namespace) -> int:
        write_figures(item.measure(settings, args), args.out, plot=item.plot)
        return 0

    return run
