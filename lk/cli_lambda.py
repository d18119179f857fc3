"""`lk lambda batch | speed` and `lk bench lambda`: the Lambda architecture's commands."""

from __future__ import annotations

import argparse
import json

from core.flag_types import positive_int
from core.settings import DEFAULT_LATENESS, Settings
from lk.cli_args import (
    add_job_flags,
    add_logic_version,
    command,
    command_group,
    duration,
    from_flags,
    utc_time,
)


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `lk lambda ...`."""
    actions = command_group(
        commands, "lambda", "the Lambda architecture: batch layer and speed layer", common
    )
    batch = command(
        actions,
        "batch",
        "one batch-layer run: ingest new records, recompute the views, publish them with H",
        common,
        _batch,
        prints="the result",
    )
    add_logic_version(batch)
    batch.add_argument(
        "--lateness",
        type=duration,
        default=DEFAULT_LATENESS,
        help=f"windows ending this long before the newest event are complete (default {DEFAULT_LATENESS})",
    )
    batch.add_argument(
        "--until",
        type=utc_time,
        help="ingest only records that reached Kafka before this ISO-8601 UTC time",
    )

    speed = command(
        actions,
        "speed",
        "the speed layer: Structured Streaming over the live log (Ctrl-C stops it cleanly)",
        common,
        _speed,
        prints="the final status",
    )
    speed.add_argument(
        "--until-caught-up", action="store_true", help="process what the log holds now, then stop"
    )
    add_job_flags(speed, trigger_help="micro-batch interval when running continuously")
    speed.add_argument(
        "--max-offsets-per-trigger",
        type=positive_int,
        help="at most this many records per micro-batch (default: all available)",
    )


def _batch(settings: Settings, args: argparse.Namespace) -> int:
    from architectures.lambda_architecture import run_batch
    from lk.formats import format_batch

    result = from_flags(run_batch, args, settings)
    print(json.dumps(result, indent=2, default=str) if args.json else format_batch(result))
    return 0


def _speed(settings: Settings, args: argparse.Namespace) -> int:
    from architectures.lambda_architecture import run_speed
    from lk.formats import format_status
    from speed_layer.job import speed_options

    options = from_flags(speed_options, args)

    def started() -> None:
        if not args.until_caught_up:
            print("speed layer running; Ctrl-C stops it after the current micro-batch", flush=True)

    status = run_speed(settings, options, on_started=started)
    print(json.dumps(status, indent=2) if args.json else format_status(status))
    return 0
