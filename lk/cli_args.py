"""Helpers every `lk` subcommand module uses: declaring a command, and argparse `type=` checks."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime

from core.errors import LkError
from core.settings import Settings


def command(
    commands: argparse._SubParsersAction,
    name: str,
    help_text: str,
    common: argparse.ArgumentParser,
    run: Callable[[Settings, argparse.Namespace], int | None],
) -> argparse.ArgumentParser:
    """A subcommand that shares the common settings flags and runs `run`."""
    parser = commands.add_parser(name, help=help_text, description=help_text, parents=[common])
    parser.set_defaults(run=run)
    return parser


def positive_int(text: str) -> int:
    """A whole number above 0."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return number


def non_negative_int(text: str) -> int:
    """A whole number, 0 or more."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return number


def positive_float(text: str) -> float:
    """A number above 0."""
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not number > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return number


def duration(text: str) -> str:
    """A duration as Spark writes it ('10 minutes', '500 milliseconds'), kept as text."""
    from core.durations import checked_duration

    try:
        return checked_duration(text)
    except LkError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def logic_version(text: str) -> str:
    """The name of a logic version of the views (v1, v2)."""
    from views.catalog import LOGIC_VERSIONS

    if text not in LOGIC_VERSIONS:
        raise argparse.ArgumentTypeError(
            f"unknown logic version {text!r}; choose one of: {', '.join(LOGIC_VERSIONS)}"
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
