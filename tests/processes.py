"""Test helpers for jobs run as separate processes: their environment, their process tree."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from core.processes import alive


def lk_env(settings, **extra: str) -> dict[str, str]:
    """The environment an `lk` subprocess needs to use these settings."""
    return {**os.environ, **settings.as_env(), "LK_SPARK_MASTER": "local[1]", **extra}


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (a Spark driver's JVM, for one)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in map(int, children):
            found |= {child} | descendants(child)
    return found


def kill_hard(pid: int, deadline_seconds: float = 60.0) -> list[int]:
    """SIGKILL a process, wait for its descendants to go; those that stayed (then killed)."""
    family = descendants(pid)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + deadline_seconds
    while any(alive(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.5)
    leftovers = [p for p in family if alive(p)]
    for p in leftovers:
        os.kill(p, signal.SIGKILL)
    return leftovers


def kill_after_micro_batches(
    args: list[str], settings, folder: Path, micro_batches: int, log: Path
) -> int:
    """Run `lk <args>` as its own process until `folder` holds that many micro-batch files,
    then SIGKILL it (asserting its Spark JVM dies with it); the files written by then."""
    import subprocess
    import sys

    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "lk.cli", *args],
            env=lk_env(settings),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_files(folder, "batch-0*.parquet", micro_batches, process, log, 180)
            leftovers = kill_hard(process.pid)
            process.wait(timeout=30)
            assert not leftovers, "the Spark JVM outlived its killed driver"
        finally:
            if process.poll() is None:
                process.kill()
    return len(list(folder.glob("batch-0*.parquet")))


def wait_for_files(
    folder: Path, pattern: str, count: int, process, log: Path, seconds: float
) -> None:
    """Wait until `count` files match in `folder`, failing with the log if the process ends."""
    deadline = time.monotonic() + seconds
    while len(list(folder.glob(pattern))) < count:
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"fewer than {count} {pattern} in {folder} in time"
        time.sleep(0.2)


READER_SCRIPT = """
import json, pathlib, sys, time
from core.settings import Settings
from serving_layer.query import run_query
settings = Settings.from_env()
stop, sql = pathlib.Path(sys.argv[1]), sys.argv[2]
deadline = time.monotonic() + 600
while not stop.exists() and time.monotonic() < deadline:
    try:
        rows = run_query(settings, sql)[1]
        print(json.dumps({"ok": [str(value) for value in rows[0]]}), flush=True)
    except Exception as error:
        print(json.dumps({"error": repr(error)}), flush=True)
    time.sleep(0.05)
"""


class LoopingReader:
    """A reader in its own process running one query over and over (as `lk query` would) until
    the block ends; `results` holds the first row of each answer, `errors` what failed."""

    def __init__(self, settings, sql: str, folder: Path) -> None:
        self.settings, self.sql, self.stop = settings, sql, folder / "stop-reading"
        self.results: list[tuple[str, ...]] = []
        self.errors: list[str] = []

    def __enter__(self) -> LoopingReader:
        import subprocess
        import sys

        self.process = subprocess.Popen(
            [sys.executable, "-c", READER_SCRIPT, str(self.stop), self.sql],
            env=lk_env(self.settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        import json

        self.stop.touch()
        output, errors = self.process.communicate(timeout=120)
        assert self.process.returncode == 0, errors[-2000:]
        for line in map(json.loads, output.splitlines()):
            if "error" in line:
                self.errors.append(line["error"])
            else:
                self.results.append(tuple(line["ok"]))


def serving_rows(settings, prefix: str) -> dict[str, list[tuple]]:
    """Every contract row of `<prefix>_<view>` for each view, sorted (processing time left out)."""
    from serving_layer.catalog import refresh_catalog
    from serving_layer.columns import VIEW_COLUMNS
    from serving_layer.query import run_query

    refresh_catalog(settings)
    rows = {}
    for view, columns in VIEW_COLUMNS.items():
        names = ", ".join(name for name, _ in columns)
        rows[view] = run_query(settings, f"SELECT {names} FROM {prefix}_{view} ORDER BY ALL")[1]
    return rows
