"""Helpers every `lk` subcommand module uses: declaring a command, and argparse `type=` checks."""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from core.errors import LkError
from core.flag_types import bounded, positive_int
from core.settings import DEFAULT_LOGIC_VERSION, DEFAULT_TRIGGER, DEFAULT_WATERMARK, Settings

T = TypeVar("T")


def command(
    commands: argparse._SubParsersAction,
    name: str,
    help_text: str,
    common: argparse.ArgumentParser,
    run: Callable[[Settings, argparse.Namespace], int | None],
    *,
    prints: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand that shares the common settings flags and runs `run`; with `prints` (what
    it prints, e.g. "the summary") it also takes --json to print that as JSON instead."""
    parser = commands.add_parser(name, help=help_text, description=help_text, parents=[common])
    parser.set_defaults(run=run)
    if prints:
        parser.add_argument("--json", action="store_true", help=f"print {prints} as JSON")
    return parser


delivery_timeout = bounded(float, 1, True, "seconds")
"""Seconds a record may wait for its acknowledgement: 1 or more (librdkafka's message.timeout.ms
must exceed linger.ms, and 0 would mean forever)."""


def command_group(
    commands: argparse._SubParsersAction, name: str, help_text: str, common: argparse.ArgumentParser
) -> argparse._SubParsersAction:
    """A command with actions of its own (`lk kafka up`): the subparsers to add them to."""
    parser = commands.add_parser(name, help=help_text, parents=[common])
    return parser.add_subparsers(title=f"{name} commands", metavar="ACTION", required=True)


def add_repeat_and_out(parser: argparse.ArgumentParser, runs: str) -> None:
    """--repeat K (how many `runs`; figures as median, min and max) and --out FILE (the figures
    as JSON too), which every benchmark takes."""
    parser.add_argument(
        "--repeat",
        type=positive_int,
        default=1,
        help=f"{runs}; figures as median, min and max (default 1)",
    )
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")


def add_job_flags(parser: argparse.ArgumentParser, *, trigger_help: str) -> None:
    """--logic-version, --watermark, --dedup-horizon and --trigger, which every streaming job
    takes."""
    add_logic_version(parser)
    flags = (
        ("--watermark", DEFAULT_WATERMARK, "event-time watermark delay"),
        ("--trigger", DEFAULT_TRIGGER, trigger_help),
    )
    for flag, default, text in flags:
        parser.add_argument(
            flag, type=duration, default=default, help=f"{text} (default {default})"
        )
    parser.add_argument(
        "--dedup-horizon",
        type=duration,
        help="how long an event_id is remembered to drop its copies, at least the watermark "
        "(default: the watermark); longer costs state",
    )


def add_logic_version(parser: argparse.ArgumentParser) -> None:
    """--logic-version: which logic of the views a job computes."""
    parser.add_argument(
        "--logic-version",
        type=logic_version,
        default=DEFAULT_LOGIC_VERSION,
        help=f"view logic (default {DEFAULT_LOGIC_VERSION})",
    )


def duration(text: str) -> str:
    """A duration as Spark writes it ('10 minutes', '500 milliseconds'), kept as text."""
    from core.durations import checked_duration

    try:
        return checked_duration(text)
    except LkError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def logic_version(text: str) -> str:
    """The name of a logic version of the pipelines' views (v1, v2)."""
    from views.catalog import LOGIC_VERSIONS

    return _one_of(text, LOGIC_VERSIONS)


def oracle_logic_version(text: str) -> str:
    """The name of a logic version the oracle knows (its own list)."""
    from oracle.params import LOGIC_VERSIONS

    return _one_of(text, LOGIC_VERSIONS)


def _one_of(text: str, known: Iterable[str]) -> str:
    if text not in known:
        raise argparse.ArgumentTypeError(
            f"unknown logic version {text!r}; choose one of: {', '.join(known)}"
        )
    return text


def utc_time(text: str) -> datetime:
    """An ISO-8601 time with a zone, e.g. 2026-01-01T10:00:00Z."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a zone, e.g. {text}Z")
    return moment


def from_flags(target: Callable[..., T], args: argparse.Namespace, /, *positional, **given) -> T:
    """Call `target` (a function or dataclass) with each keyword parameter taken from the parsed
    flag of the same name; `given` names the rest (a renamed flag, a computed value)."""
    names = inspect.signature(target).parameters
    taken = {
        name: getattr(args, name) for name in names if name not in given and hasattr(args, name)
    }
    return target(*positional, **taken, **given)
