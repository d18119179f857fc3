"""One list of benchmarks (`benchmarks/registry.py`): `lk bench`'s subcommands, `make bench`'s
runs and the table in docs/benchmarks.md all follow it."""

from __future__ import annotations

import argparse
import subprocess
import sys

from benchmarks.registry import BENCHMARKS, make_runs, markdown_table
from core.settings import REPO_ROOT
from lk.cli import build_parser
from lk.cli_bench import FLAGS


def _bench_commands() -> argparse._SubParsersAction:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    bench = commands.choices["bench"]
    return next(a for a in bench._actions if isinstance(a, argparse._SubParsersAction))


def test_lk_bench_offers_the_registry_in_its_order_with_its_help():
    bench_commands = _bench_commands()
    assert list(bench_commands.choices) == [item.name for item in BENCHMARKS]
    helps = {action.dest: action.help for action in bench_commands._choices_actions}
    assert helps == {item.name: item.summary for item in BENCHMARKS}
    assert set(FLAGS) == {item.name for item in BENCHMARKS}


def test_make_bench_runs_the_registry_with_flags_lk_bench_takes():
    assert "python -m benchmarks.registry" in (REPO_ROOT / "Makefile").read_text()
    printed = subprocess.run(
        [sys.executable, "-m", "benchmarks.registry"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        timeout=60,
    ).stdout.splitlines()
    assert printed == make_runs()
    assert [line.split()[0] for line in printed] == [item.name for item in BENCHMARKS]
    for line in printed:
        args = build_parser().parse_args(["bench", *line.split(), "--out", "x.json"])
        assert args.run is not None


def test_the_docs_table_is_the_registry():
    lines = (REPO_ROOT / "docs" / "benchmarks.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "benchmarks/registry.py, BENCHMARKS" in line)
    table = lines[start + 1 : start + 1 + len(markdown_table())]
    assert table == markdown_table(), "docs/benchmarks.md: paste markdown_table()'s lines"
    assert not lines[start + 1 + len(markdown_table())].startswith("|"), "a row not in the registry"
