# PYTHON_ARGCOMPLETE_OK
"""The `lk` command line: one entry point, a subcommand per job, readable errors.

Shell completion (argcomplete): `eval "$(register-python-argcomplete lk)"` in bash or zsh.
Exit codes: 0 done; 1 an error the user can act on (one line on stderr: a missing broker, a bad
setting, a failed job); 2 a usage error (a wrong flag or value, argparse's line); 130
interrupted (Ctrl-C)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import argcomplete

from core.errors import readable
from core.flag_types import positive_float, positive_int
from core.settings import DEFAULT_DELIVERY_TIMEOUT, DEFAULT_PARTITIONS, Settings, default_of
from lk import (
    cli_airflow,
    cli_bench,
    cli_experiments,
    cli_kafka,
    cli_kappa,
    cli_lambda,
    cli_serving,
    cli_spark,
    cli_study,
)
from lk.cli_args import command, delivery_timeout, from_flags
from lk.output import format_figures
from lk.version import VersionAction


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `lk` command; errors the user can act on print one line and exit non-zero."""
    parser = build_parser()
    argcomplete.autocomplete(parser)  # answers a shell's completion request, else does nothing
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env(
            data_dir=getattr(args, "data_dir", None),
            bootstrap=getattr(args, "bootstrap", None),
            topic=getattr(args, "topic", None),
            spark_master=getattr(args, "spark_master", None),
        )
        return args.run(settings, args) or 0
    except BrokenPipeError:
        try:
            sys.stdout.flush()
        except BrokenPipeError:  # stdout's reader went away (`lk compare | head`): stop quietly
            # Python's documented recipe: point stdout at devnull so the exit flush cannot fail.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        raise  # another pipe broke: a bug to see

    except Exception as error:  # ours, or Spark's (Py4J/PySpark exceptions): one line
        if (line := readable(error)) is None:
            raise  # a bug: its stack trace is what a developer needs
        print(f"lk: error: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lk: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    # SUPPRESS: a flag given before the subcommand is not overwritten by the subcommand's default.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    group = common.add_argument_group("settings (each defaults to its environment variable)")
    group.add_argument(
        "--data-dir", help=f"all state (LK_DATA_DIR, default {default_of('LK_DATA_DIR')})"
    )
    group.add_argument(
        "--bootstrap",
        help=f"Kafka bootstrap servers (LK_BOOTSTRAP, default {default_of('LK_BOOTSTRAP')})",
    )
    group.add_argument("--topic", help=f"event topic (LK_TOPIC, default {default_of('LK_TOPIC')})")
    group.add_argument(
        "--spark-master",
        help=f"Spark master (LK_SPARK_MASTER, default {default_of('LK_SPARK_MASTER')})",
    )

    parser = argparse.ArgumentParser(
        prog="lk",
        description="One event stream through a Lambda and a Kappa architecture.",
        parents=[common],
    )
    parser.add_argument(
        "--version",
        action=VersionAction,
        help="print the versions of lk, Python, Java, Kafka, Spark, Airflow and DuckDB",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    cli_kafka.register(commands, common)

    produce = command(
        commands,
        "produce",
        "send generated events (or a file) to the topic",
        common,
        _produce,
        prints="the summary",
    )
    amount = produce.add_mutually_exclusive_group(required=True)
    amount.add_argument("--events", type=positive_int, help="how many logical events to generate")
    amount.add_argument("--duration", type=positive_float, help="seconds of paced sending")
    amount.add_argument(
        "--from-file",
        type=Path,
        metavar="PATH",
        help="replay a .jsonl or REES46 .csv file (.gz too)",
    )
    produce.add_argument(
        "--rate",
        type=positive_float,
        help="events per second: paces sending and the event clock (default: as fast as Kafka takes them)",
    )
    produce.add_argument("--seed", type=int, default=42, help="same seed, same events (default 42)")
    produce.add_argument(
        "--scenario", default="steady", help="steady, late-data, dirty or burst (default steady)"
    )
    produce.add_argument(
        "--start-time",
        help="event time of the first event, ISO-8601 UTC (default 2026-01-01T00:00:00Z)",
    )
    produce.add_argument(
        "--partitions",
        type=positive_int,
        default=DEFAULT_PARTITIONS,
        help=f"partitions if the topic is created (default {DEFAULT_PARTITIONS})",
    )
    produce.add_argument(
        "--replication-factor",
        type=positive_int,
        help="replicas if the topic is created (default: min(3, the cluster's brokers))",
    )
    produce.add_argument(
        "--delivery-timeout",
        type=delivery_timeout,
        default=DEFAULT_DELIVERY_TIMEOUT,
        help="seconds a record may wait for acks=all before the run fails "
        f"(default {DEFAULT_DELIVERY_TIMEOUT:g})",
    )
    produce.add_argument("--no-progress", action="store_true", help="no progress bar")

    cli_bench.register(commands, common)
    cli_lambda.register(commands, common)
    cli_serving.register(commands, common)
    cli_experiments.register(commands, common)
    cli_airflow.register(commands, common)
    cli_kappa.register(commands, common)
    cli_spark.register(commands, common)
    cli_study.register(commands, common)
    return parser


def _produce(settings: Settings, args: argparse.Namespace) -> int:
    from workloads.run import produce

    show_progress = False if args.no_progress else None
    summary = from_flags(
        produce, args, settings, scenario_name=args.scenario, show_progress=show_progress
    )
    if args.json:
        print(json.dumps(summary, indent=2))
    else:  # reasons as "2 wrong_type: amount; 1 invalid_json", or "-" when there are none
        print(
            format_figures(
                {
                    name: "; ".join(f"{n:,} {reason}" for reason, n in value.items()) or "-"
                    if isinstance(value, dict)
                    else value
                    for name, value in summary.items()
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
