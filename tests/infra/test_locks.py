"""Two locks, one for what runs and one for the test tools: `make demo` (through `make setup`)
installs only requirements.lock and needs no browser and no root; `make test` (through
`make setup-dev`) adds requirements-dev.lock and a Chromium."""

from __future__ import annotations

import re
import tomllib

from core.settings import REPO_ROOT


def _pins(name: str) -> dict[str, str]:
    """{normalized package name: version} of one lock file."""
    pins = {}
    for line in (REPO_ROOT / name).read_text().splitlines():
        if line and not line.startswith("#"):
            package, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", package).lower()] = version
    return pins


def _names(requirements: list[str]) -> set[str]:
    return {
        re.sub(r"[-_.]+", "-", re.split(r"[\[=<>!~ ;]", r, maxsplit=1)[0]).lower()
        for r in requirements
    }


def _prerequisites(target: str) -> list[str]:
    makefile = (REPO_ROOT / "Makefile").read_text()
    (line,) = re.findall(rf"^{re.escape(target)}:([^#\n]*)", makefile, re.MULTILINE)
    return line.split()


def test_the_runtime_lock_pins_what_runs_and_the_dev_lock_only_the_test_tools():
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert not set(runtime) & set(dev)
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert _names(project["dependencies"]) <= set(runtime)
    assert _names(project["optional-dependencies"]["dev"]) <= set(dev)
    assert {"pytest", "playwright", "hypothesis", "ruff"} <= set(dev)


def test_the_demo_s_set_up_installs_no_test_tool_and_no_browser():
    setup = _prerequisites("setup")
    assert not any("dev" in step or "chromium" in step for step in setup), setup
    assert _prerequisites("demo") == ["setup"] and "setup" in _prerequisites("bench")
    for target in ("test", "test-fast", "test-cluster", "lint"):
        assert "setup-dev" in _prerequisites(target), target
    assert "chromium" in _prerequisites("setup-dev")
