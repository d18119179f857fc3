"""The project's Airflow processes: started in the background, checked, stopped by PID.

`start_airflow` runs the API server, scheduler and DAG processor (and the triggerer on request),
each in a session of its own with its `<name>.log` and `<name>.pid` (PID, then the process start
time, so a reused PID is never mistaken for ours) in AIRFLOW_HOME (see infra/airflow_home.py).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from core.atomic import read_json, write_json
from core.errors import LkError
from core.locks import exclusive_lock
from core.processes import alive, pid_from_file, start_background, stop_processes
from core.settings import REPO_ROOT, Settings
from infra.airflow_api import api_token, parsed_dags
from infra.airflow_home import (
    ADMIN_USER,
    DEFAULT_PORT,
    HOST,
    AirflowFiles,
    airflow_command,
    airflow_env,
    airflow_files,
    ensure_airflow_db,
    saved_port,
)
from infra.startup import last_error, require_free_port

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
"""Every background process `start_airflow` may run, in start order (the triggerer on request)."""
STOP_ORDER = (("scheduler", "dag-processor", "triggerer"), ("api-server",))
"""Who stops first: the API server last, since tasks report how they ended through it."""

HEALTH_PATH = "/api/v2/monitor/health"
"""Where the API server reports the health of the metadatabase and of each component."""
HEALTH_KEYS = {"scheduler": "scheduler", "dag-processor": "dag_processor", "triggerer": "triggerer"}
"""The key of each component in the API server's health document."""


@dataclass(frozen=True)
class AirflowState:
    """What `lk airflow up` and `status` report: which processes run and where the UI is."""

    port: int
    pids: dict[str, int | None]
    started_now: tuple[str, ...]
    files: AirflowFiles
    health: dict | None = None
    dags: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        """The UI and API address."""
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
            if self.dags:
                lines.append(f"DAGs            {', '.join(self.dags)}")
            if self.files.passwords.exists():
                lines.append(
                    f"login           user {ADMIN_USER!r}, password in {self.files.passwords}"
                )
            else:
                lines.append(f"login           user {ADMIN_USER!r}; password file not yet written")
        lines.append(f"AIRFLOW_HOME    {self.files.root}")
        return lines


def start_airflow(
    settings: Settings,
    port: int | None = None,
    *,
    triggerer: bool = False,
    timeout: float = 180.0,
) -> AirflowState:
    """Start the API server, scheduler and DAG processor (and the triggerer, if asked) unless
    they run, on `port` (default: the last start's, else DEFAULT_PORT), and wait up to `timeout`
    s until they are healthy and the UI lists every DAG of dags/; what runs now. LkError if they
    cannot start or a DAG file fails to import: those started now are stopped again."""
    files = airflow_files(settings)
    ensure_airflow_db(settings)
    wanted = [name for name in COMPONENTS if name != "triggerer" or triggerer]
    with exclusive_lock(files.lock):  # a second start waits, then finds them running
        pids = {name: running_pid(files, name) for name in COMPONENTS}
        saved = saved_port(files)
        if pids["api-server"] and port and saved and port != saved:
            raise LkError(
                f"Airflow's API server already runs on port {saved} (pid {pids['api-server']}); "
                f"use that port or `lk airflow down` first"
            )
        port = (saved if pids["api-server"] else port) or saved or DEFAULT_PORT
        missing = [name for name in wanted if not pids[name]]
        if "api-server" in missing:
            require_free_port(HOST, port, "Airflow's API server", "--port")
        write_json(files.state, {"port": port})
        env = airflow_env(settings, port)
        deadline = time.monotonic() + timeout
        failure = None
        for name in missing:
            pids[name] = start_background(  # the log is private: it shows the admin password
                [*airflow_command(), *_arguments(name, port)],
                log=files.log(name),
                pid_file=files.pid(name),
                env=env,
                cwd=files.root,
            )
            # A task reports to the API server from its first line: one the scheduler queues
            # (a due scheduled run) before the server answers fails and is retried.
            if name == "api-server" and (failure := _api_failure(files, port, pids, deadline)):
                break
    try:
        if failure:
            raise LkError(failure)
        _wait_until_healthy(files, port, pids, wanted, max(deadline - time.monotonic(), 1.0))
        dags = _wait_for_dags(files, f"http://{HOST}:{port}", deadline)
    except LkError:
        if missing:
            stop_airflow(settings)
        raise
    health = _health(f"http://{HOST}:{port}{HEALTH_PATH}")
    return AirflowState(port, pids, tuple(missing), files, health, tuple(dags))


def stop_airflow(settings: Settings, *, timeout: float = 60.0) -> dict[str, int]:
    """Stop every Airflow process we started, by PID, and wait until they and their children are
    gone; the PID of each process stopped, by name.

    The scheduler lets running tasks finish first; after `timeout` seconds every process left in
    its session (tasks and their spark-submit included) is killed. The API server stops last:
    tasks report how they ended through it. LkError if a process survives SIGKILL.
    """
    files = airflow_files(settings)
    stopped: dict[str, int] = {}
    with exclusive_lock(files.lock):  # not while a start is launching processes
        for group in STOP_ORDER:
            pids = {name: pid for name in group if (pid := running_pid(files, name))}
            # Forked workers, parsers and task processes share the session of their leader.
            stop_processes(pids.values(), timeout=timeout)
            stopped.update(pids)
        for name in COMPONENTS:
            files.pid(name).unlink(missing_ok=True)
    return stopped


def airflow_status(settings: Settings) -> AirflowState:
    """Which of the project's Airflow processes run, and on which port the UI is."""
    files = airflow_files(settings)
    pids = {name: running_pid(files, name) for name in COMPONENTS}
    port = saved_port(files) or DEFAULT_PORT
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


def _api_failure(
    files: AirflowFiles, port: int, pids: dict[str, int | None], deadline: float
) -> str | None:
    """Wait until the API server answers its health check; None then, else why it did not."""
    url = f"http://{HOST}:{port}{HEALTH_PATH}"
    while _health(url) is None:
        pid = pids["api-server"]
        if not pid or not alive(pid):
            return (
                f"Airflow's api-server exited while starting: {last_error(files.log('api-server'))}"
            )
        if time.monotonic() > deadline:
            return f"Airflow's api-server did not answer at {url}; see {files.log('api-server')}"
        time.sleep(0.5)
    return None


def _wait_until_healthy(
    files: AirflowFiles, port: int, pids: dict[str, int | None], wanted: list[str], timeout: float
) -> None:
    """Wait up to `timeout` s until the API server reports every one of `wanted` healthy;
    LkError at once if one of them exits, or when the time is up."""
    url = f"http://{HOST}:{port}{HEALTH_PATH}"
    deadline = time.monotonic() + timeout
    health: dict = {}
    while True:
        for name in wanted:
            pid = pids[name]
            if not pid or not alive(pid):
                raise LkError(
                    f"Airflow's {name} exited while starting: {last_error(files.log(name))}"
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


def dag_files() -> list[Path]:
    """The files of dags/ that define a DAG (`@dag(`); dags/lk_assets.py and the like only hold
    what the DAGs share."""
    return sorted(p for p in (REPO_ROOT / "dags").glob("*.py") if "@dag(" in p.read_text())


def _wait_for_dags(files: AirflowFiles, url: str, deadline: float) -> list[str]:
    """Wait until the DAG processor has parsed every file of dags/ (a new AIRFLOW_HOME shows an
    empty DAG list until then); the DAG ids. LkError for an import error, or at the deadline
    (a busy API server that does not answer in time is asked again until then)."""
    expected = len(dag_files())
    while True:
        try:  # the API server writes the password file as it starts
            password = (read_json(files.passwords) or {}).get(ADMIN_USER, "")
            dags, errors = parsed_dags(url, api_token(url, ADMIN_USER, password))
        except (LkError, ValueError) as error:
            dags, errors, unanswered = [], [], error
        else:
            unanswered = None
        if errors:
            raise LkError(f"Airflow cannot import a DAG file: {errors[0]}")
        if len(dags) >= expected:
            return dags
        if time.monotonic() > deadline:
            raise LkError(
                f"Airflow lists {len(dags)} of the {expected} DAGs of dags/ after the start's "
                f"time limit ({unanswered or 'still parsing'}); see {files.log('dag-processor')}"
            )
        time.sleep(1.0)


def _health(url: str) -> dict | None:
    """The API server's health document, or None while it does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http on loopback)
            return json.load(response)
    except (OSError, ValueError, urllib.error.URLError):
        return None
