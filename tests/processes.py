"""Test helpers for jobs run as separate processes: their environment, their process tree."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def lk_env(settings, **extra: str) -> dict[str, str]:
    """The environment an `lk` subprocess needs to use these settings."""
    return {
        **os.environ,
        "LK_DATA_DIR": str(settings.data_dir),
        "LK_BOOTSTRAP": settings.bootstrap,
        "LK_TOPIC": settings.topic,
        "LK_SPARK_MASTER": "local[1]",
        **extra,
    }


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (a Spark driver's JVM, for one)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in map(int, children):
            found |= {child} | descendants(child)
    return found


def alive(pid: int) -> bool:
    """Does the process exist and is it not a zombie?"""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


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


def wait_for_files(
    folder: Path, pattern: str, count: int, process, log: Path, seconds: float
) -> None:
    """Wait until `count` files match in `folder`, failing with the log if the process ends."""
    deadline = time.monotonic() + seconds
    while len(list(folder.glob(pattern))) < count:
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"fewer than {count} {pattern} in {folder} in time"
        time.sleep(0.2)
