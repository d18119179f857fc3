"""Processes we started, seen through /proc: alive or not, when they started, their session.

Everything here stops what it started by PID, never by name. A PID file holds the PID and
the process's start time, so a PID the system has since reused is never mistaken for ours.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def alive(pid: int) -> bool:
    """True while any thread of the process still runs (a zombie child of ours is reaped here).

    A JVM's main thread can exit, and show as a zombie, while its other threads still shut
    down; so every thread is checked, not only the leader. PID 1 here does not reap orphans,
    so a zombie counts as gone.
    """
    with contextlib.suppress(ChildProcessError):
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            return True
    return False


def start_time(pid: int) -> str | None:
    """When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def session_members(leader: int) -> list[int]:
    """Every live process in the session `leader` started (the leader itself excluded)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(stat.parent.name)
        if int(fields[3]) == leader and pid != leader and fields[0] not in ("Z", "X"):
            members.append(pid)
    return members


def write_pid_file(path: Path, pid: int) -> None:
    """Record a process we started: its PID and start time."""
    path.write_text(f"{pid} {start_time(pid)}\n")


def pid_from_file(path: Path) -> int | None:
    """The PID in a file `write_pid_file` wrote, if that very process is still alive."""
    try:
        pid_text, started = path.read_text().split()
        pid = int(pid_text)
    except (FileNotFoundError, ValueError):
        return None
    return pid if alive(pid) and start_time(pid) == started else None
