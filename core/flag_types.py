"""Argparse `type=` checks for the command line's numbers: each turns the flag's text into a
value or raises `argparse.ArgumentTypeError` with one line that says what was wrong. Here, not in
`lk`, so a benchmark declares its own flags (`benchmarks.registry`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def bounded(parse: Callable[[str], float], minimum: float, inclusive: bool, what: str):
    """An argparse type: `parse` the text and require it to be above (or at) `minimum`."""

    def check(text: str):
        try:
            number = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if number < minimum or (number == minimum and not inclusive):
            relation = "at least" if inclusive else "greater than"
            raise argparse.ArgumentTypeError(f"{text!r} must be {relation} {minimum:g}")
        return number

    return check


positive_int = bounded(int, 0, False, "a whole number")
"""A whole number above 0."""
non_negative_int = bounded(int, 0, True, "a whole number")
"""A whole number, 0 or more."""
positive_float = bounded(float, 0, False, "a number")
"""A number above 0."""


def event_counts(text: str) -> list[int]:
    """An argparse type: whole numbers above 0 separated by commas, `1e6` allowed."""
    counts = []
    for part in text.split(","):
        try:
            number = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} is not a number of events") from None
        if number < 1 or number != int(number):
            raise argparse.ArgumentTypeError(f"{part!r} must be a whole number above 0")
        counts.append(int(number))
    return counts


def rate_list(text: str) -> list[float]:
    """An argparse type: rates in events/s above 0, separated by commas (1000,5000,1e4)."""
    rates = []
    for part in text.split(","):
        try:
            rate = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} is not a rate in events/s") from None
        if not rate > 0 or rate == float("inf"):
            raise argparse.ArgumentTypeError(f"{part!r} must be a rate above 0 events/s")
        rates.append(rate)
    return sorted(set(rates))
