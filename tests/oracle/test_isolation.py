"""The oracle shares no code with the pipelines: importing all of it in a fresh interpreter loads
none of their modules and no Spark, and its source imports only what it may."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import oracle

ORACLE = Path(oracle.__file__).parent
REPO_ROOT = ORACLE.parent
FORBIDDEN = (
    "views",
    "pyspark",
    "py4j",
    "batch_layer",
    "speed_layer",
    "kappa",
    "streaming",
    "serving_layer",
    "architectures",
    "experiments",
    "benchmarks",
)
ALLOWED_CORE = {"core", "core.settings", "core.errors", "core.layout", "core.atomic", "core.locks"}
THIRD_PARTY = {"duckdb", "pyarrow", "kafka"}
MAX_LINES = 300

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import oracle
names = [m.name for m in pkgutil.walk_packages(oracle.__path__, "oracle.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"oracle": names, "loaded": sorted(sys.modules)}))
"""


def test_importing_the_oracle_loads_no_pipeline_code_and_no_spark():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    found = json.loads(result.stdout.splitlines()[-1])
    expected = {f"oracle.{path.stem}" for path in ORACLE.glob("*.py")}
    assert set(found["oracle"]) == expected - {"oracle.__init__"}
    loaded = found["loaded"]
    assert expected - {"oracle.__init__"} <= set(loaded)
    assert [name for name in loaded if name.split(".")[0] in FORBIDDEN] == []
    assert {name for name in loaded if name.split(".")[0] == "core"} <= ALLOWED_CORE


def _imports(path: Path) -> set[str]:
    """Every module a source file imports (absolute imports; relative ones are refused)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            names.add(node.module)
    return names


def test_the_oracle_source_imports_only_what_it_may():
    for path in sorted(ORACLE.glob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            allowed = (
                name in ALLOWED_CORE
                or name.startswith("oracle.")
                or top in THIRD_PARTY
                or top in sys.stdlib_module_names
            )
            assert allowed, f"{path.name} imports {name}"


def test_every_oracle_module_is_small():
    for path in ORACLE.glob("*.py"):
        assert len(path.read_text().splitlines()) < MAX_LINES, path.name
