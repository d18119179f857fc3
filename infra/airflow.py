"""Airflow the project's way: SQLite metadata under <data-dir>/airflow, DAGs from `dags/`, loopback only.

AIRFLOW_HOME is <data-dir>/airflow. It holds airflow.cfg (only the secrets, generated on first use,
never in git), airflow.db, the task logs in logs/, and for each background process started by
`start_airflow` its `<name>.log` and `<name>.pid` (PID, then the process start time, so a reused
PID is never mistaken for ours). Every other setting is an environment variable from
`airflow_env`, so every Airflow process, and every task it runs, sees the same settings as `lk`.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.atomic import read_json, write_json
from core.errors import LkError
from core.jvm import java_home
from core.processes import alive, pid_from_file, session_members, write_pid_file
from core.settings import REPO_ROOT, Settings

DEFAULT_PORT = 8080
HOST = "127.0.0.1"
ADMIN_USER = "admin"
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
"""Every background process `start_airflow` may run, in start order (the triggerer on request)."""

HEALTH_PATH = "/api/v2/monitor/health"
HEALTH_KEYS = {"scheduler": "scheduler", "dag-processor": "dag_processor", "triggerer": "triggerer"}


@dataclass(frozen=True)
class AirflowFiles:
    """Where the project's Airflow keeps its configuration, database, logs and PIDs."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "airflow.cfg"

    @property
    def database(self) -> Path:
        return self.root / "airflow.db"

    @property
    def migrated(self) -> Path:
        """The Airflow version whose `airflow db migrate` last succeeded here."""
        return self.root / "db-migrated"

    @property
    def migrate_log(self) -> Path:
        return self.root / "db-migrate.log"

    @property
    def state(self) -> Path:
        """The API port chosen at the last start (JSON), so later commands find the server."""
        return self.root / "lk-airflow.json"

    @property
    def passwords(self) -> Path:
        """Where the simple auth manager writes the generated admin password on first start."""
        return self.root / "simple_auth_manager_passwords.json.generated"

    def log(self, component: str) -> Path:
        return self.root / f"{component}.log"

    def pid(self, component: str) -> Path:
        return self.root / f"{component}.pid"


@dataclass(frozen=True)
class AirflowState:
    """What `lk airflow up` and `status` report: which processes run and where the UI is."""

    port: int
    pids: dict[str, int | None]
    started_now: tuple[str, ...]
    files: AirflowFiles
    health: dict | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        """True when the three processes a DAG run needs are up."""
        return all(self.pids.get(name) for name in COMPONENTS[:3])

    def lines(self) -> list[str]:
        """A readable report: one line per process, then the UI and how to log in."""
        lines = []
        for name, pid in self.pids.items():
            if pid:
                lines.append(f"{name:<16}running (pid {pid}), log {self.files.log(name)}")
            elif name != "triggerer":
                lines.append(f"{name:<16}not running")
        if self.pids.get("api-server"):
            lines.append(f"UI and API      {self.url}")
            if self.health:
                parts = [
                    f"{key} {value['status']}"
                    for key, value in self.health.items()
                    if value.get("status")
                ]
                lines.append(f"health          {', '.join(parts)}")
            if self.files.passwords.exists():
                lines.append(
                    f"login           user {ADMIN_USER!r}, password in {self.files.passwords}"
                )
            else:
                lines.append(f"login           user {ADMIN_USER!r}; password file not yet written")
        lines.append(f"AIRFLOW_HOME    {self.files.root}")
        return lines


def airflow_files(settings: Settings) -> AirflowFiles:
    return AirflowFiles(settings.data_dir / "airflow")


def airflow_env(settings: Settings, port: int | None = None) -> dict[str, str]:
    """The whole environment for every Airflow process: this one's, with the project's settings on top."""
    files = airflow_files(settings)
    port = port or _saved_port(files) or DEFAULT_PORT
    env = dict(os.environ)
    env.pop("AIRFLOW_CONFIG", None)
    env.update(
        {
            "AIRFLOW_HOME": str(files.root),
            "AIRFLOW_CONFIG": str(files.config),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            # LocalExecutor is Airflow 3's default and works on SQLite; the parallelism is the
            # number of worker processes it forks (default 32), so it stays at the core count.
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "2",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{files.database}",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",  # new DAG files within 30 s
            "AIRFLOW__API__HOST": HOST,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__WORKERS": "1",
            # Workers reach the API server here; the default assumes localhost:8080.
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{HOST}:{port}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(files.passwords),
            **settings.as_env(),
            # Without graphviz (not needed) Airflow warns on stdout, even before `-o json` output.
            "PYTHONWARNINGS": ",".join(
                filter(None, [env.get("PYTHONWARNINGS"), "ignore:Could not import graphviz"])
            ),
            # Tasks import the layers from the repository even before they are installed.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
        }
    )
    with contextlib.suppress(LkError):  # a task that needs Java reports a missing JDK itself
        env["JAVA_HOME"] = str(java_home())
    return env


def ensure_airflow_db(settings: Settings, *, timeout: float = 600.0) -> bool:
    """Create AIRFLOW_HOME, its secrets and the migrated metadata database once; True if it ran now."""
    files = airflow_files(settings)
    files.root.mkdir(parents=True, exist_ok=True)
    with _lock(files):
        _write_secrets(files)
        version = _airflow_version()
        if files.database.exists() and _read(files.migrated) == version:
            return False
        started = time.monotonic()
        with files.migrate_log.open("w") as log:
            try:
                result = subprocess.run(
                    [*airflow_command(), "db", "migrate"],
                    env=airflow_env(settings),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise LkError(
                    f"`airflow db migrate` did not finish within {timeout:.0f} s; see {files.migrate_log}"
                ) from None
        if result.returncode != 0:
            raise LkError(f"`airflow db migrate` failed: {_last_error(files.migrate_log)}")
        files.migrated.write_text(version + "\n")
        with files.migrate_log.open("a") as log:
            log.write(f"# lk: migrated in {time.monotonic() - started:.1f} s\n")
        return True


def run_airflow_cli(settings: Settings, args: list[str]) -> int:
    """Run the `airflow` command line with the project's environment; its exit code."""
    ensure_airflow_db(settings)
    try:
        return subprocess.run(
            [*airflow_command(), *args], env=airflow_env(settings), check=False
        ).returncode
    except KeyboardInterrupt:
        return 130


def start_airflow(
    settings: Settings,
    port: int | None = None,
    *,
    triggerer: bool = False,
    timeout: float = 180.0,
) -> AirflowState:
    """Start the API server, scheduler and DAG processor unless they run, and wait until healthy."""
    files = airflow_files(settings)
    ensure_airflow_db(settings)
    wanted = [name for name in COMPONENTS if name != "triggerer" or triggerer]
    with _lock(files):
        pids = {name: running_pid(files, name) for name in COMPONENTS}
        saved = _saved_port(files)
        if pids["api-server"] and port and saved and port != saved:
            raise LkError(
                f"Airflow's API server already runs on port {saved} (pid {pids['api-server']}); "
                f"use that port or `lk airflow down` first"
            )
        port = (saved if pids["api-server"] else port) or saved or DEFAULT_PORT
        missing = [name for name in wanted if not pids[name]]
        if "api-server" in missing:
            _require_free_port(port)
        write_json(files.state, {"port": port})
        env = airflow_env(settings, port)
        for name in missing:
            pids[name] = _launch(files, name, _arguments(name, port), env)
    try:
        _wait_until_healthy(files, port, pids, wanted, timeout)
    except LkError:
        if missing:
            stop_airflow(settings)
        raise
    health = _health(f"http://{HOST}:{port}{HEALTH_PATH}")
    return AirflowState(port, pids, tuple(missing), files, health)


def stop_airflow(settings: Settings, *, timeout: float = 60.0) -> dict[str, int]:
    """Stop every Airflow process we started, by PID, and wait until they and their children are gone.

    The scheduler lets running tasks finish first; after `timeout` seconds every process left in
    its session (tasks and their spark-submit included) is killed. The API server stops last:
    tasks report how they ended through it.
    """
    files = airflow_files(settings)
    stopped: dict[str, int] = {}
    with _lock(files):  # not while a start is launching processes
        for group in (("scheduler", "dag-processor", "triggerer"), ("api-server",)):
            pids = {name: pid for name in group if (pid := running_pid(files, name))}
            for pid in pids.values():
                with contextlib.suppress(ProcessLookupError):  # it may exit on its own meanwhile
                    os.kill(pid, signal.SIGTERM)  # Airflow's processes stop cleanly on SIGTERM
            deadline = time.monotonic() + timeout
            for pid in pids.values():
                _wait_gone([pid], deadline)
            # Forked workers, parsers and task processes share the session of their leader.
            leftovers = [child for pid in pids.values() for child in session_members(pid)]
            for child in leftovers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGTERM)
            _wait_gone(leftovers, time.monotonic() + 10)
            stopped.update(pids)
        for name in COMPONENTS:
            files.pid(name).unlink(missing_ok=True)
    return stopped


def airflow_status(settings: Settings) -> AirflowState:
    """Which of the project's Airflow processes run, and on which port the UI is."""
    files = airflow_files(settings)
    pids = {name: running_pid(files, name) for name in COMPONENTS}
    port = _saved_port(files) or DEFAULT_PORT
    health = _health(f"http://{HOST}:{port}{HEALTH_PATH}") if pids["api-server"] else None
    return AirflowState(port, pids, (), files, health)


def running_pid(files: AirflowFiles, component: str) -> int | None:
    """The PID of one of our Airflow processes if it still runs (same PID, same start time)."""
    return pid_from_file(files.pid(component))


def _arguments(component: str, port: int) -> list[str]:
    """The `airflow` subcommand that runs one component in the foreground."""
    if component == "api-server":
        return ["api-server", "--host", HOST, "--port", str(port), "--workers", "1"]
    if component in ("scheduler", "triggerer"):
        # The log server these would fork binds to every interface; on one machine the API
        # server reads task logs from AIRFLOW_HOME/logs directly, so it is not needed.
        return [component, "--skip-serve-logs"]
    return [component]


def _launch(files: AirflowFiles, name: str, arguments: list[str], env: dict[str, str]) -> int:
    descriptor = os.open(files.log(name), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "ab") as log:  # private: the API server logs the admin password
        process = subprocess.Popen(
            [*airflow_command(), *arguments],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=files.root,
            start_new_session=True,  # outlives the `lk` that started it; its children share the session
        )
    write_pid_file(files.pid(name), process.pid)
    return process.pid


def _wait_until_healthy(
    files: AirflowFiles, port: int, pids: dict[str, int | None], wanted: list[str], timeout: float
) -> None:
    url = f"http://{HOST}:{port}{HEALTH_PATH}"
    deadline = time.monotonic() + timeout
    health: dict = {}
    while True:
        for name in wanted:
            pid = pids[name]
            if not pid or not alive(pid):
                raise LkError(
                    f"Airflow's {name} exited while starting: {_last_error(files.log(name))}"
                )
        health = _health(url) or {}
        statuses = {
            name: health.get(HEALTH_KEYS.get(name, ""), {}).get("status") for name in wanted
        }
        statuses["api-server"] = health.get("metadatabase", {}).get("status")
        if all(status == "healthy" for status in statuses.values()):
            return
        if time.monotonic() > deadline:
            waiting = ", ".join(name for name, status in statuses.items() if status != "healthy")
            raise LkError(
                f"Airflow did not become healthy at {url} within {timeout:.0f} s (waiting for "
                f"{waiting}); see the logs in {files.root}"
            )
        time.sleep(1.0)


def _health(url: str) -> dict | None:
    """The API server's health document, or None while it does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http on loopback)
            return json.load(response)
    except (OSError, ValueError, urllib.error.URLError):
        return None


def _wait_gone(pids: list[int], deadline: float) -> None:
    """Wait until every PID is gone; past the deadline, SIGKILL what is left and wait again."""
    killed = False
    while living := [pid for pid in pids if alive(pid)]:
        if time.monotonic() > deadline:
            if killed:
                raise LkError(f"processes {living} survived SIGKILL; stop them by hand")
            for pid in living:
                for member in [pid, *session_members(pid)]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(member, signal.SIGKILL)
            killed, deadline = True, time.monotonic() + 10
        time.sleep(0.2)


@contextlib.contextmanager
def _lock(files: AirflowFiles) -> Iterator[None]:
    """One migrate or start at a time per AIRFLOW_HOME: a second waits, then finds it done."""
    files.root.mkdir(parents=True, exist_ok=True)
    with (files.root / "lk-airflow.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_secrets(files: AirflowFiles) -> None:
    """Generate this AIRFLOW_HOME's keys into airflow.cfg (mode 600) once; the same for every process.

    The API server and the scheduler must share the JWT secret, or the tasks' tokens are refused.
    Without this file Airflow would write a 120 kB default airflow.cfg with keys of its own.
    The password file is created private too, before the API server writes into it.
    """
    if not files.passwords.exists():  # the API server fills it, and prints it to its log
        os.close(os.open(files.passwords, os.O_WRONLY | os.O_CREAT, 0o600))
    if files.config.exists():
        return
    fernet_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    content = (
        "# Generated once by lk (infra/airflow.py) for this AIRFLOW_HOME only; never commit it.\n"
        "# Every other setting is an environment variable set by infra/airflow.py:airflow_env.\n"
        f"[core]\nfernet_key = {fernet_key}\n\n"
        f"[api]\nsecret_key = {secrets.token_urlsafe(32)}\n\n"
        f"[api_auth]\njwt_secret = {secrets.token_urlsafe(32)}\n"
    )
    temporary = files.config.with_name(f".{files.config.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(content)
    os.replace(temporary, files.config)


def airflow_command() -> list[str]:
    """The venv's `airflow` next to this Python (or `python -m airflow` if the script is missing)."""
    script = Path(sys.executable).parent / "airflow"
    return [str(script)] if script.exists() else [sys.executable, "-m", "airflow"]


def _airflow_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("apache-airflow-core")
    except PackageNotFoundError:
        raise LkError("Airflow is not installed in this environment: run `make setup`") from None


def _saved_port(files: AirflowFiles) -> int | None:
    try:
        port = (read_json(files.state) or {}).get("port")
    except ValueError:
        return None
    return port if isinstance(port, int) else None


def _require_free_port(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            raise LkError(
                f"port {port} on {HOST} is taken by another process, so Airflow's API server "
                "cannot start; stop that process or choose another port with --port"
            ) from None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None


def _last_error(log: Path) -> str:
    """The most telling line of a log: the last ERROR or exception, else the last line."""
    try:
        lines = [
            line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()
        ]
    except OSError:
        return f"no log at {log}"
    markers = ("ERROR", "[error", "Error", "Exception")
    errors = [line for line in lines if any(marker in line for marker in markers)]
    chosen = (errors or lines or ["(empty log)"])[-1]
    return f"{chosen[:300]} (full log: {log})"
