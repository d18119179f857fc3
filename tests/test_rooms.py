"""The code's layout holds: who may import whom, no import cycle, small modules, thin DAGs.

Read statically (every `import` in a module, at its top, inside functions and under
TYPE_CHECKING alike), so a rule is broken the moment the import is written, not when it runs.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import REPO_ROOT

PRODUCTION = (
    "architectures",
    "batch_layer",
    "core",
    "infra",
    "kappa",
    "serving_layer",
    "speed_layer",
    "streaming",
    "views",
    "workloads",
)
"""The measured system: the pipelines, their layers and what they run on."""
MEASURING = ("oracle", "experiments", "benchmarks")
"""The measuring side: the oracle, the live experiments and the benchmarks."""
PACKAGES = (*PRODUCTION, *MEASURING, "dags", "lk")
LAYERS = ("batch_layer", "speed_layer", "serving_layer", "kappa")

ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "views": {"core"},
    "streaming": {"core", "views"},
    "workloads": {"core", "views"},
    "batch_layer": {"core", "views"},
    "speed_layer": {"core", "views", "streaming"},
    "kappa": {"core", "views", "streaming"},
    "serving_layer": {"core", "views"},
    "architectures": {"core", "views", "streaming", *LAYERS},
    "infra": {"core"},
    "oracle": {"core"},  # and of core only ORACLE_MAY_IMPORT
    "experiments": {*PRODUCTION, "oracle"},
    "benchmarks": {*PRODUCTION, "oracle", "experiments"},
    "dags": {"core", "architectures", "kappa", "experiments"},  # experiments: dags/experiment.py
    "lk": set(PACKAGES),
}
"""For each package, the project packages it may import. `lk` (the command line) may import
everything and nothing but `lk` imports it; layers never import each other; no production room
imports the measuring side (only `lk` and `dags` do).

The measuring side is ordered: the oracle imports only core; the experiments import the oracle;
the benchmarks import both, because the latency and serving benchmarks drive the experiments'
live runner (`ExperimentRun`, its jobs, its latency metric). The figures both report
(`experiments/figures.py`: `percentile`, `spread`, `environment`) therefore stay in the
experiments, the lower of the two rooms: the benchmarks import them from there, and the
experiments never import the benchmarks (no cycle between the rooms)."""

ORACLE = "oracle"
"""The oracle's package, oracle/."""
ORACLE_MAY_IMPORT = {"core.settings", "core.errors", "core.layout", "core.atomic", "core.locks"}
"""The oracle is a second opinion: nothing of the pipelines' code, only the plain runtime."""

MAX_MODULE_LINES = 300
MAX_DAG_LINES = 120


def modules() -> Iterator[tuple[str, Path]]:
    """(dotted module name, path) of every project module, tests included."""
    for package in (*PACKAGES, "tests"):
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def imported(path: Path) -> set[str]:
    """The dotted names of the project modules (or packages) `path` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name.split(".")[0] in PACKAGES)
    return found


def _project_imports() -> dict[str, set[str]]:
    known = dict(modules())
    graph = {}
    for name, path in known.items():
        # `from a import b` names module a.b when it exists, else a name inside module a.
        graph[name] = {target for target in imported(path) if target in known} - {name}
    return graph


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_what_its_room_allows(package: str) -> None:
    wrong = []
    for name, path in modules():
        if name.split(".")[0] != package:
            continue
        for target in imported(path):
            room = target.split(".")[0]
            if room != package and room not in ALLOWED[package]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_the_oracle_imports_nothing_of_the_pipelines() -> None:
    known = dict(modules())
    oracle = [(name, path) for name, path in known.items() if name.split(".")[0] == ORACLE]
    assert oracle, "the oracle package oracle/ is missing"
    wrong = []
    for name, path in oracle:
        # `from core.settings import Settings` names the module core.settings
        for target in {t if t in known else t.rpartition(".")[0] for t in imported(path)}:
            if target.split(".")[0] != ORACLE and target not in ORACLE_MAY_IMPORT:
                wrong.append(f"{name} imports {target}")
        if "pyspark" in path.read_text():
            wrong.append(f"{name} mentions pyspark")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", PRODUCTION)
def test_no_production_room_imports_the_measuring_side(package: str) -> None:
    assert not ALLOWED[package] & set(MEASURING)
    wrong = [
        f"{name} imports {target}"
        for name, path in modules()
        if name.split(".")[0] == package
        for target in imported(path)
        if target.split(".")[0] in MEASURING
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle() -> None:
    graph = _project_imports()
    cycles = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph.get(name, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "\n".join(cycles)


def test_modules_are_small_and_dags_thin() -> None:
    too_long = []
    for name, path in modules():
        lines = len(path.read_text().splitlines())
        limit = MAX_DAG_LINES if name.startswith("dags.") else MAX_MODULE_LINES
        if lines > limit:
            too_long.append(f"{path.relative_to(REPO_ROOT)}: {lines} lines (at most {limit})")
    assert not too_long, "\n".join(too_long)


def test_only_the_settings_read_lk_variables() -> None:
    readers = [
        str(path.relative_to(REPO_ROOT))
        for name, path in modules()
        if not name.startswith(("tests", "core.settings"))
        and any(
            marker in path.read_text()
            for marker in ('environ.get("LK_', "environ['LK_", 'environ["LK_', 'getenv("LK_')
        )
    ]
    assert not readers, f"LK_* variables read outside core/settings.py: {readers}"


ONE_HELPER = {
    r"np\.percentile\(": "experiments/figures.py",
    r"statistics\.quantiles\(": "experiments/figures.py",
    r"\.bind\(\([^)]*, 0\)\)": "core/net.py",  # a port the OS picks: a free port
}
"""Code written once (regex -> its one module): a percentile (every figure's definition) and a
free port."""


def test_percentiles_and_free_ports_are_written_once() -> None:
    for needle, home in ONE_HELPER.items():
        found = {
            str(path.relative_to(REPO_ROOT))
            for _, path in modules()
            if re.search(needle, path.read_text()) and path.parts[-2:] != ("tests", "test_rooms.py")
        }
        allowed = {home} | {p for p in found if p.startswith("tests/")}  # tests may probe ports
        assert found <= allowed, f"{needle} outside {home}: {sorted(found - allowed)}"
