"""Kappa versions as background processes (what the Airflow DAG starts): `lk kappa run` in its
own session, its PID and start time in `v<N>/job.pid`, stopped by PID."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    env = {
        **os.environ,
        "LK_DATA_DIR": str(settings.data_dir),
        "LK_BOOTSTRAP": settings.bootstrap,
        "LK_TOPIC": settings.topic,
        "LK_SPARK_MASTER": settings.spark_master,
    }
    with (paths.root / "job.log").open("a") as log:
        process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (paths.root / "job.pid").write_text(f"{process.pid} {_start_time(process.pid)}\n")
    return process.pid


def running_pid(settings: Settings, number: int) -> int | None:
    """The PID of version N's background job, if it is still that process and alive."""
    pid_file = Layout(settings.data_dir).kappa_version(number).root / "job.pid"
    try:
        pid_text, started = pid_file.read_text().split()
    except (FileNotFoundError, ValueError):
        return None
    pid = int(pid_text)
    return pid if _alive(pid) and _start_time(pid) == started else None


def stop_detached(settings: Settings, number: int, timeout: float = 120.0) -> int | None:
    """Stop version N's background job: SIGTERM (it stops between micro-batches), then SIGKILL
    to its whole session (Python driver and Spark JVM); the PID stopped, or None if it was not
    running. Raises LkError if something of it survives both."""
    pid = running_pid(settings, number)
    if pid is None:
        if running(Layout(settings.data_dir).kappa_version(number)):
            raise LkError(f"v{number} runs in the foreground, not from lk kappa run --background")
        return None
    members = _session(pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.2)
    stragglers = [member for member in members | _session(pid) if _alive(member)]
    for member in stragglers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while any(_alive(member) for member in stragglers) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.2)
    if _alive(pid) or any(_alive(member) for member in stragglers):
        raise LkError(f"v{number}'s job (pid {pid}) is still alive after SIGKILL")
    return pid


def _session(leader: int) -> set[int]:
    """Processes in the session `leader` started (the job runs in its own session)."""
    members = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, IndexError, ProcessLookupError):
            continue
        if fields[3] == str(leader):  # field 6 of /proc/PID/stat: the session id
            members.add(int(stat.parent.name))
    return members


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _start_time(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (FileNotFoundError, IndexError):
        return "gone"
