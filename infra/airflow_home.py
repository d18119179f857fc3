"""AIRFLOW_HOME the project's way: SQLite metadata under <data-dir>/airflow, DAGs from `dags/`.

A user who sets `AIRFLOW__DATABASE__SQL_ALCHEMY_CONN` (e.g. PostgreSQL, which several schedulers
or hosts can share) or `AIRFLOW__CORE__EXECUTOR` / `AIRFLOW__CORE__PARALLELISM` in the
environment keeps their value: `USER_SETTINGS` (README: Scaling out).

AIRFLOW_HOME is <data-dir>/airflow. It holds airflow.cfg (only the secrets, generated on first
use, never in git), airflow.db, the task logs in logs/, and the logs and PID files of the
processes infra/airflow.py starts. Every other setting is an environment variable from
`airflow_env`, so every Airflow process, and every task it runs, sees the same settings as `lk`.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from core.atomic import read_json
from core.errors import LkError
from core.jvm import java_home
from core.layout import FolderMap
from core.locks import exclusive_lock
from core.settings import REPO_ROOT, Settings
from infra.startup import last_error, run_to_end

DEFAULT_PORT = 8080
"""The API server's port when neither --port nor an earlier start chose one."""
HOST = "127.0.0.1"
"""The only address the API server listens on."""
USER_SETTINGS = (
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CORE__EXECUTOR",
    "AIRFLOW__CORE__PARALLELISM",
    "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG",
)
"""Airflow settings taken from the user's environment when set there, instead of the local
defaults (SQLite, LocalExecutor, a parallelism of 2)."""
ADMIN_USER = "admin"
"""The simple auth manager's one user; its password is generated on the first start."""


@dataclass(frozen=True)
class AirflowFiles(FolderMap):
    """Where the project's Airflow keeps its configuration, database, logs and PIDs."""

    root: Path
    ENTRIES = """
        config       airflow.cfg      Airflow's configuration, with the generated secrets
        database     airflow.db       the SQLite metadata database
        migrated     db-migrated      the Airflow version and database (password masked) last migrated
        migrate_log  db-migrate.log   the output of `airflow db migrate`
        state        lk-airflow.json  the API port chosen at the last start (JSON)
        lock         lk-airflow.lock  held by a migration, a start or a stop
        passwords    simple_auth_manager_passwords.json.generated  the generated admin password
    """

    def log(self, component: str) -> Path:
        """The output of one background process (api-server, scheduler, ...)."""
        return self.root / f"{component}.log"

    def pid(self, component: str) -> Path:
        """The PID file of one background process: PID, then its start time."""
        return self.root / f"{component}.pid"


def airflow_files(settings: Settings) -> AirflowFiles:
    """The project's AIRFLOW_HOME, <data-dir>/airflow, and the files in it."""
    return AirflowFiles(settings.data_dir / "airflow")


def saved_port(files: AirflowFiles) -> int | None:
    """The API server's port at the last start, if one was recorded."""
    try:
        port = (read_json(files.state) or {}).get("port")
    except ValueError:
        return None
    return port if isinstance(port, int) else None


def airflow_env(settings: Settings, port: int | None = None) -> dict[str, str]:
    """The whole environment for every Airflow process: this one's, with the project's settings
    on top; the API server's `port` defaults to the last start's, else DEFAULT_PORT."""
    files = airflow_files(settings)
    port = port or saved_port(files) or DEFAULT_PORT
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
            **{name: os.environ[name] for name in USER_SETTINGS if os.environ.get(name)},
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


def airflow_command() -> list[str]:
    """The venv's `airflow` next to this Python (or `python -m airflow` if the script is missing)."""
    script = Path(sys.executable).parent / "airflow"
    return [str(script)] if script.exists() else [sys.executable, "-m", "airflow"]


def ensure_airflow_db(settings: Settings, *, timeout: float = 600.0) -> bool:
    """Create AIRFLOW_HOME, its secrets and the migrated metadata database once (the migration
    may take up to `timeout` s); True if the migration ran now, False if it was done already."""
    files = airflow_files(settings)
    with exclusive_lock(files.lock):  # a second waits, then finds it done
        _write_secrets(files)
        database = airflow_env(settings)["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        marker = f"{_airflow_version()} {_without_password(database)}"
        local_file_gone = database.startswith("sqlite") and not files.database.exists()
        if _read(files.migrated) == marker and not local_file_gone:
            return False
        started = time.monotonic()
        what = "`airflow db migrate`"
        with files.migrate_log.open("w") as log:
            result = run_to_end(
                [*airflow_command(), "db", "migrate"],
                what=what,
                timeout=timeout,
                log=files.migrate_log,
                env=airflow_env(settings),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        if result.returncode != 0:
            raise LkError(f"{what} failed: {last_error(files.migrate_log)}")
        files.migrated.write_text(marker + "\n")
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
        "# Generated once by lk (infra/airflow_home.py) for this AIRFLOW_HOME only; never commit it.\n"
        "# Every other setting is an environment variable set by infra/airflow_home.py:airflow_env.\n"
        f"[core]\nfernet_key = {fernet_key}\n\n"
        f"[api]\nsecret_key = {secrets.token_urlsafe(32)}\n\n"
        f"[api_auth]\njwt_secret = {secrets.token_urlsafe(32)}\n"
    )
    temporary = files.config.with_name(f".{files.config.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(content)
    os.replace(temporary, files.config)


def _airflow_version() -> str:
    """The installed Airflow's version (a new one needs a new migration)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("apache-airflow-core")
    except PackageNotFoundError:
        raise LkError("Airflow is not installed in this environment: run `make setup`") from None


def _without_password(url: str) -> str:
    """A database URL as it may be written to a file: its password masked. LkError (one line)
    if it is not a database URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        raise LkError(
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN is not a database URL (e.g. "
            "postgresql+psycopg2://user@127.0.0.1:5432/airflow)"
        ) from None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None
