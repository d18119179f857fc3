"""A throwaway PostgreSQL server for a test: Debian's binaries, a data directory under the test's
tmp folder, 127.0.0.1 on a free port, trust authentication for loopback only, stopped by
`pg_ctl stop` (which signals the postmaster by its PID file).

PostgreSQL refuses to run as root; when the tests run as root the server runs as the `postgres`
user that Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def postgres_bin() -> Path:
    """The folder of Debian's PostgreSQL server binaries (the newest major version installed).
    RuntimeError when the server is not installed (`make test-cluster` installs it)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        raise RuntimeError("no PostgreSQL server: apt-get install -y postgresql")
    return Path(found[-1]).parent


@contextmanager
def postgres_server(folder: Path, port: int) -> Iterator[str]:
    """Run a server with its data in `folder` on 127.0.0.1:`port` and a database `airflow`;
    yields the SQLAlchemy URL of that database. The server is stopped on exit."""
    binaries = postgres_bin()
    data = folder / "pgdata"
    folder.mkdir(parents=True, exist_ok=True)
    as_user = _as_postgres_user(folder)
    subprocess.run(
        [*as_user, str(binaries / "initdb"), "-D", str(data), "-U", "postgres",
         "--auth=trust", "--encoding=UTF8", "--no-sync"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
    log = folder / "postgres.log"
    subprocess.run(
        [*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
         "-w", "-t", "120", "start"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    try:
        subprocess.run(
            [str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
             "airflow"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/airflow"
    finally:
        subprocess.run(
            [*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            check=False, capture_output=True,
        )  # fmt: skip


def query(port: int, sql: str) -> list[str]:
    """The rows `sql` returns from the `airflow` database, one `|`-separated line each."""
    psql = shutil.which("psql") or str(postgres_bin() / "psql")
    done = subprocess.run(
        [psql, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "airflow",
         "-At", "-c", sql],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.splitlines()


def _as_postgres_user(folder: Path) -> list[str]:
    """The command prefix that runs a server binary as a user PostgreSQL accepts: nothing when
    the tests do not run as root; otherwise `runuser -u postgres --`, with `folder` handed to
    that user."""
    if os.geteuid() != 0:
        return []
    account = pwd.getpwnam("postgres")
    for path in folder.parents:  # pytest's tmp folders are private to root: let it walk through
        if not path.stat().st_mode & 0o001:
            os.chmod(path, path.stat().st_mode | 0o001)
    os.chown(folder, account.pw_uid, account.pw_gid)
    return ["runuser", "-u", "postgres", "--"]
