"""`lk lambda batch | speed` and `lk bench lambda`: the Lambda architecture's commands."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from lk.cli_args import command, positive_int
from lk.errors import LkError
from lk.settings import Settings


def register(
    commands: argparse._SubParsersAction,
    common: argparse.ArgumentParser,
    bench_commands: argparse._SubParsersAction,
) -> None:
    """Add `lk lambda ...` and `lk bench lambda`."""
    group = commands.add_parser(
        "lambda", help="the Lambda architecture: batch layer and speed layer", parents=[common]
    )
    actions = group.add_subparsers(title="lambda commands", metavar="ACTION", required=True)
    batch = command(
        actions,
        "batch",
        "one batch-layer run: ingest new records, recompute the views, publish them with H",
        common,
        _batch,
    )
    batch.add_argument("--logic-version", default="v1", help="view logic (default v1)")
    batch.add_argument(
        "--lateness",
        default="10 minutes",
        help="windows ending this long before the newest event are complete (default 10 minutes)",
    )
    batch.add_argument(
        "--until",
        type=_utc_time,
        help="ingest only records that reached Kafka before this ISO-8601 UTC time",
    )
    batch.add_argument("--json", action="store_true", help="print the result as JSON")

    speed = command(
        actions,
        "speed",
        "the speed layer: Structured Streaming over the live log (Ctrl-C stops it cleanly)",
        common,
        _speed,
    )
    speed.add_argument(
        "--until-caught-up",
        action="store_true",
        help="process what the log holds now, then stop",
    )
    speed.add_argument("--logic-version", default="v1", help="view logic (default v1)")
    speed.add_argument(
        "--watermark", default="10 minutes", help="event-time watermark delay (default 10 minutes)"
    )
    speed.add_argument(
        "--trigger",
        default="250 milliseconds",
        help="micro-batch interval when running continuously (default 250 milliseconds)",
    )
    speed.add_argument(
        "--max-offsets-per-trigger",
        type=positive_int,
        help="at most this many records per micro-batch (default: all available)",
    )
    speed.add_argument("--json", action="store_true", help="print the final status as JSON")

    bench = command(
        bench_commands,
        "lambda",
        "batch events/s and speed micro-batch latency (p50, p99) on a fresh topic",
        common,
        _bench_lambda,
    )
    bench.add_argument("--events", type=int, default=100_000, help="events (default 100000)")
    bench.add_argument(
        "--rate",
        type=float,
        default=2000,
        help="events/s while the speed layer runs (default 2000)",
    )
    bench.add_argument("--out", help="also write the figures to this JSON file")


def _utc_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a zone, e.g. {text}Z")
    return moment


def _batch(settings: Settings, args: argparse.Namespace) -> int:
    from batch_layer.run import format_batch, run_batch
    from lk.durations import parse_duration
    from serving_layer.catalog import refresh_catalog

    parse_duration(args.lateness)
    result = run_batch(
        settings, logic_version=args.logic_version, lateness=args.lateness, until=args.until
    )
    refresh_catalog(settings)
    print(json.dumps(result, indent=2, default=str) if args.json else format_batch(result))
    return 0


def _speed(settings: Settings, args: argparse.Namespace) -> int:
    from lk.durations import parse_duration
    from lk.stream_progress import format_status
    from serving_layer.catalog import refresh_catalog
    from speed_layer.job import run_speed, speed_options
    from views.catalog import views_at

    parse_duration(args.watermark)
    parse_duration(args.trigger)
    views_at(args.logic_version)
    options = speed_options(
        logic_version=args.logic_version,
        watermark=args.watermark,
        trigger=args.trigger,
        until_caught_up=args.until_caught_up,
        max_offsets_per_trigger=args.max_offsets_per_trigger,
    )

    def started() -> None:
        refresh_catalog(settings)  # the speed views now have files to point at
        if not args.until_caught_up:
            print("speed layer running; Ctrl-C stops it after the current micro-batch", flush=True)

    status = run_speed(settings, options, on_started=started)
    refresh_catalog(settings)
    print(json.dumps(status, indent=2) if args.json else format_status(status))
    return 0


def _bench_lambda(settings: Settings, args: argparse.Namespace) -> int:
    from experiments.bench_lambda import run_bench_lambda
    from experiments.bench_produce import format_report

    if args.events <= 0 or args.rate <= 0:
        raise LkError("--events and --rate must be greater than 0")
    figures = run_bench_lambda(settings, events=args.events, rate=args.rate)
    print(format_report(figures))
    if args.out:
        from pathlib import Path

        Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    return 0
