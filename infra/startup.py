"""What starting a local service (the Kafka broker, Airflow) needs besides core.processes: a
check that its port is free, a setup command run to its end within a time limit, and the
telling line of a log when something fails."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import Any

from core.errors import LkError

ERROR_MARKERS = ("ERROR", "[error", "Error", "Exception")
"""What marks a log line as an error (log4j's level, structlog's, exception names)."""

MAX_PORT = 65535
"""The highest TCP port."""


def require_free_port(host: str, port: int, what: str, option: str) -> None:
    """LkError unless `port` on `host` can be bound now; `what` is the service that wants it,
    `option` the command-line option that chooses another port. LkError too for a number that
    is no TCP port (0, or above 65535: `bind` raises OverflowError for those)."""
    if not 0 < port <= MAX_PORT:
        raise LkError(
            f"port {port} is not a TCP port (1-{MAX_PORT}), so {what} cannot start; "
            f"choose another port with {option}"
        )
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers do: sockets in TIME_WAIT from a server just stopped do not hold the port.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise LkError(
                f"port {port} on {host} is taken by another process, so {what} cannot start; "
                f"stop that process or choose another port with {option}"
            ) from None


def run_to_end(
    command: list[str], *, what: str, timeout: float, log: Path | None = None, **options: Any
) -> subprocess.CompletedProcess:
    """Run `command` until it exits, whatever its exit code (`options` go to subprocess.run);
    LkError naming `what` (and the `log` it writes, if any) if it runs longer than `timeout` s."""
    try:
        return subprocess.run(command, timeout=timeout, check=False, **options)
    except subprocess.TimeoutExpired:
        see = f"; see {log}" if log else ""
        raise LkError(f"{what} did not finish within {timeout:.0f} s{see}") from None


def last_error(log: Path) -> str:
    """The most telling line of a log, for a one-line error: the last line that reports an
    error or exception, else the last line; with the log's path."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return f"no log at {log}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if any(marker in line for marker in ERROR_MARKERS)]
    chosen = (errors or lines or ["(empty log)"])[-1]
    return f"{chosen[:300]} (full log: {log})"
