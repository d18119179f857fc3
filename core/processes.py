"""Processes we started: started in a session of their own, seen through psutil (alive or not,
when they started, their session, their command line), stopped by PID.

Everything here stops what it started by PID, never by name. A PID file holds the PID and
the process's start time, so a PID the system has since reused is never mistaken for ours.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

import psutil

from core.errors import LkError


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
    try:
        process = psutil.Process(pid)
        with process.oneshot():
            if process.status() not in GONE:
                return True
            # A zombie leader still counts itself among its threads: more than one, and one
            # of the others still runs.
            return process.num_threads() > 1
    except psutil.Error:  # no such process (or a zombie psutil cannot read): gone
        return False


GONE = (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
"""Process states that are not running any more."""


def start_time(pid: int) -> str | None:
    """When the process started (psutil's create time, s since the epoch, to 0.01 s), as text;
    None if there is no such process."""
    try:
        return f"{psutil.Process(pid).create_time():.2f}"
    except psutil.Error:
        return None


def session_members(leader: int) -> list[int]:
    """Every live process in the session `leader` started (the leader itself excluded)."""
    members = []
    for process in psutil.process_iter(["status"]):
        try:
            if process.pid == leader or process.info["status"] in GONE:
                continue
            if os.getsid(process.pid) == leader:
                members.append(process.pid)
        except (OSError, psutil.Error):  # gone meanwhile, or not ours to ask
            continue
    return members


def command_line(pid: int) -> list[str]:
    """The process's command line, one argument per item; [] if it cannot be read."""
    try:
        return psutil.Process(pid).cmdline()
    except psutil.Error:
        return []


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


def start_background(
    command: list[str],
    *,
    log: Path,
    pid_file: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start `command` in a session of its own (it outlives the caller, and its children share
    that session), appending its output to `log` (created private, mode 600: a log may hold a
    password); record it in `pid_file` (PID and start time). Returns the PID."""
    log.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "ab") as output:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    write_pid_file(pid_file, process.pid)
    return process.pid


def stop_processes(pids: Iterable[int], *, timeout: float = 60.0, grace: float = 10.0) -> None:
    """Stop processes we started, each the leader of its own session, and everything in those
    sessions: SIGTERM to the leaders and up to `timeout` s for them to exit (a clean shutdown);
    then SIGKILL to a leader still alive, SIGTERM to what is left of the sessions, and after
    `grace` s SIGKILL to those. Raises LkError if anything survives SIGKILL.

    Each process is known by its PID and start time from the moment it is seen, so a PID the
    system reuses meanwhile is never signalled."""
    leaders = _seen(pids)
    members = _seen(member for leader in leaders for member in session_members(leader))
    _signal(leaders, signal.SIGTERM)
    _wait_gone(leaders, timeout)
    _signal(leaders, signal.SIGKILL)
    members = {**_seen(m for leader in leaders for m in session_members(leader)), **members}
    _signal(members, signal.SIGTERM)
    _wait_gone(leaders | members, grace)
    _signal(members, signal.SIGKILL)
    survivors = _wait_gone(leaders | members, grace)
    if survivors:
        raise LkError(f"processes {sorted(survivors)} survived SIGKILL; stop them by hand")


def _seen(pids: Iterable[int]) -> dict[int, str | None]:
    """The live processes among `pids`, each with its start time."""
    return {pid: start_time(pid) for pid in pids if alive(pid)}


def _living(processes: dict[int, str | None]) -> list[int]:
    """Those of `processes` still alive: same PID, same start time."""
    return [pid for pid, started in processes.items() if alive(pid) and start_time(pid) == started]


def _signal(processes: dict[int, str | None], number: signal.Signals) -> None:
    for pid in _living(processes):
        with contextlib.suppress(ProcessLookupError):  # it may exit on its own meanwhile
            os.kill(pid, number)


def _wait_gone(processes: dict[int, str | None], seconds: float) -> list[int]:
    """Wait up to `seconds` until every one of `processes` is gone; the PIDs still alive."""
    deadline = time.monotonic() + seconds
    while (living := _living(processes)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return living
