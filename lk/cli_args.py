"""Helpers every `lk` subcommand module uses: declaring a command, checking numbers."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from lk.settings import Settings


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
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return number


def positive_float(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not number > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return number
