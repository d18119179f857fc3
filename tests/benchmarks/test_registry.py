"""The benchmarks that `benchmarks/registry.py` finds: `lk bench`'s subcommands, `make bench`'s
runs and the table in docs/benchmarks.md all follow them, and finding them stays light."""

from __future__ import annotations

import argparse
import subprocess
import sys

from benchmarks.registry import benchmarks, make_runs, markdown_table
from core.settings import REPO_ROOT
from lk.cli import build_parser


def _bench_commands() -> argparse._SubParsersAction:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    bench = commands.choices["bench"]
    return next(a for a in bench._actions if isinstance(a, argparse._SubParsersAction))


def test_lk_bench_offers_the_registry_in_its_order_with_its_help():
    bench_commands = _bench_commands()
    assert list(bench_commands.choices) == [item.name for item in benchmarks()]
    helps = {action.dest: action.help for action in bench_commands._choices_actions}
    assert helps == {item.name: item.summary for item in benchmarks()}


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
    assert [line.split()[0] for line in printed] == [item.name for item in benchmarks()]
    for line in printed:
        args = build_parser().parse_args(["bench", *line.split(), "--out", "x.json"])
        assert args.run is not None


def test_the_docs_table_is_the_registry():
    lines = (REPO_ROOT / "docs" / "benchmarks.md").read_text().splitlines()
    start = next(
        i for i, line in enumerate(lines) if "benchmarks/registry.py, benchmarks()" in line
    )
    table = lines[start + 1 : start + 1 + len(markdown_table())]
    assert table == markdown_table(), "docs/benchmarks.md: paste markdown_table()'s lines"
    assert not lines[start + 1 + len(markdown_table())].startswith("|"), "a row not in the registry"


def test_every_benchmark_takes_repeat_and_out_and_its_own_flags():
    for item in benchmarks():
        args = build_parser().parse_args(["bench", item.name, "--repeat", "2", "--out", "f.json"])
        assert (args.repeat, str(args.out)) == (2, "f.json")
        assert callable(item.measure) and (item.plot is None or callable(item.plot))


def test_each_package_or_module_with_a_benchmark_is_found():
    """Every module or subpackage of benchmarks/ but the shared ones declares a benchmark."""
    shared = {"harness", "registry"}
    names = {
        path.stem for path in (REPO_ROOT / "benchmarks").iterdir() if path.name != "__init__.py"
    }
    names = {name for name in names if not name.startswith("__")} - shared
    modules = {item.measure.__module__.split(".")[1] for item in benchmarks()}
    assert modules == names


def test_finding_the_benchmarks_imports_no_engine():
    """`lk` lists the benchmarks on every start: that must not load Spark, a Kafka client, DuckDB,
    plotly or numpy (a benchmark imports them in `measure` and `plot`)."""
    heavy = ["pyspark", "py4j", "confluent_kafka", "duckdb", "plotly", "numpy", "pandas"]
    code = (
        "import sys; from benchmarks.registry import benchmarks; import lk.cli; "
        "assert benchmarks(); lk.cli.build_parser(); "
        f"print(sorted(name for name in {heavy!r} if name in sys.modules))"
    )
    printed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    ).stdout
    assert printed.strip() == "[]"
