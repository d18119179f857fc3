"""Kappa versions as background processes (what the Airflow DAG starts): `lk kappa run` in its
own session, its PID and start time in `v<N>/job.pid`, stopped by PID."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from infra.processes import alive, pid_from_file, session_members, write_pid_file
from kappa.versions import running
from lk.errors import LkError
from lk.paths import Layout
from lk.settings import Settings


def start_detached(settings: Settings, number: int, run_args: list[str]) -> int:
    """Start `lk kappa run --version N ...` in the background; its PID."""
    paths = Layout(settings.data_dir).kappa_version(number)
    paths.root.mkdir(parents=True, exist_ok=True)
    if (pid := running_pid(settings, number)) is not None:
        raise LkError(f"Kappa v{number} already runs in the background (pid {pid})")
    if running(paths):
        raise LkError(f"Kappa v{number} is already running in the foreground (lk kappa run)")
    command = [sys.executable, "-m", "lk.cli", "kappa", "run", "--version", str(number), *run_args]
    env = {**os.environ, **settings.as_env()}
    with (paths.root / "job.log").open("a") as log:
        process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    write_pid_file(paths.root / "job.pid", process.pid)
    return process.pid


def running_pid(settings: Settings, number: int) -> int | None:
    """The PID of version N's background job, if it is still that process and alive."""
    return pid_from_file(Layout(settings.data_dir).kappa_version(number).root / "job.pid")


def stop_detached(settings: Settings, number: int, timeout: float = 120.0) -> int | None:
    """Stop version N's background job: SIGTERM (it stops between micro-batches), then SIGKILL
    to its whole session (Python driver and Spark JVM); the PID stopped, or None if it was not
    running. Raises LkError if something of it survives both."""
    pid = running_pid(settings, number)
    if pid is None:
        if running(Layout(settings.data_dir).kappa_version(number)):
            raise LkError(f"v{number} runs in the foreground, not from lk kappa run --background")
        return None
    members = set(session_members(pid))
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    family = {pid} | members | set(session_members(pid))
    stragglers = [member for member in family if alive(member)]
    for member in stragglers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while any(alive(member) for member in stragglers) and time.monotonic() < deadline:
        time.sleep(0.2)
    if any(alive(member) for member in stragglers):
        raise LkError(f"v{number}'s job (pid {pid}) is still alive after SIGKILL")
    return pid
