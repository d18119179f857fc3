"""The benchmarks, found in one place: every module or subpackage of `benchmarks/` that defines
`BENCHMARK = Benchmark(...)` is one. `lk bench`'s subcommands (their order, help and flags),
`make bench`'s runs and the table in docs/benchmarks.md all come from them, so adding a benchmark
means one new module (`benchmarks/<name>.py` or a subpackage), its test and its docs row.

A benchmark's top level must stay light (no Spark, Kafka client, DuckDB or plotly imported): the
command line imports every benchmark on start to list them. Its `measure` and `plot` import what
they need when called (tests/benchmarks/test_registry.py checks both rules).

`python -m benchmarks.registry` prints `make bench`'s runs, one a line: the name, then the flags
`make bench` adds (it adds `--out LK_DATA_DIR/bench/<name>.json` itself).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.settings import Settings


@dataclass(frozen=True)
class Benchmark:
    """One `lk bench <name>`: what it measures, its flags, its measurement and its plot."""

    name: str
    """The subcommand; `make bench` writes its figures to `LK_DATA_DIR/bench/<name>.json`."""
    order: int
    """Its place in `lk bench --help`, `make bench` and the docs table (ascending)."""
    summary: str
    """What it measures against what: its line in `lk bench --help` and in docs/benchmarks.md."""
    reference: str
    """What its ratios are to, measured in the same run (docs/benchmarks.md's table)."""
    runs: str
    """What `--repeat K` repeats, e.g. "runs, each on a fresh topic" (its help text)."""
    add_flags: Callable[[argparse.ArgumentParser], None]
    """Adds its own flags; `--repeat` and `--out` are added for every benchmark."""
    measure: Callable[[Settings, argparse.Namespace], dict[str, Any]]
    """Runs it with the parsed flags: the figures dict (numbers, strings, lists), printed as a
    table and written by `--out` as JSON; `args.repeat` runs, figures as median, min and max."""
    plot: Callable[[dict[str, Any]], Any] | None = None
    """Draws the figures dict as a `plotly.graph_objects.Figure`, written beside `--out`."""
    make_flags: str = ""
    """The flags `make bench` adds: sizes that keep the whole target under 30 minutes."""
    make_note: str = ""
    """Why `make bench` runs it at other sizes than the default (docs/benchmarks.md's table)."""


@functools.cache
def benchmarks() -> tuple[Benchmark, ...]:
    """Every benchmark of the `benchmarks` package, in `order`.

    Raises ValueError when two declare the same name or order."""
    import benchmarks as package

    found = []
    for module in pkgutil.iter_modules(package.__path__):
        if module.name == "registry":
            continue
        declared = getattr(importlib.import_module(f"benchmarks.{module.name}"), "BENCHMARK", None)
        if isinstance(declared, Benchmark):
            found.append(declared)
    for field in ("name", "order"):
        values = [getattr(item, field) for item in found]
        if len(set(values)) != len(values):
            raise ValueError(f"two benchmarks declare the same {field}: {sorted(values)}")
    return tuple(sorted(found, key=lambda item: item.order))


def benchmark(name: str) -> Benchmark:
    """The benchmark `lk bench <name>` runs. Raises StopIteration when there is none."""
    return next(item for item in benchmarks() if item.name == name)


def markdown_table() -> list[str]:
    """The table of docs/benchmarks.md, one line a row, from the benchmarks."""
    rows = [
        "| `lk bench` | what it measures | its reference, same run | `make bench` adds |",
        "| --- | --- | --- | --- |",
    ]
    for item in benchmarks():
        make = f"`{item.make_flags}`" if item.make_flags else ""
        make += f" ({item.make_note})" if item.make_note else ""
        rows.append(f"| `{item.name}` | {item.summary} | {item.reference} | {make} |")
    return rows


def make_runs() -> list[str]:
    """`make bench`'s runs, in order: the name and the flags it adds."""
    return [f"{item.name} {item.make_flags}".strip() for item in benchmarks()]


if __name__ == "__main__":
    # Run as a script this module is `__main__`; the benchmarks declare themselves with the
    # `Benchmark` of `benchmarks.registry`, so the runs come from there.
    from benchmarks.registry import make_runs as registry_runs

    print("\n".join(registry_runs()))
