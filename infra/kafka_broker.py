"""A single-node KRaft Kafka broker (broker and controller in one process) on loopback.

State lives in <data-dir>/kafka: server.properties, the formatted log directory, broker.log
and broker.pid. `start_broker` is idempotent; `stop_broker` stops it by PID and waits.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.errors import LkError
from core.kafka_client import admin_client
from core.processes import alive
from core.settings import Settings
from infra.java import java_command, kafka_version

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class BrokerFiles:
    """Where the local broker keeps its configuration, data, log and PID."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "server.properties"

    @property
    def log_dirs(self) -> Path:
        return self.root / "log-dirs"

    @property
    def log(self) -> Path:
        return self.root / "broker.log"

    @property
    def pid(self) -> Path:
        return self.root / "broker.pid"


@dataclass(frozen=True)
class BrokerState:
    """What `lk kafka up` and `status` report about the local broker."""

    pid: int
    bootstrap: str
    version: str
    log: Path
    started_now: bool


def broker_files(settings: Settings) -> BrokerFiles:
    return BrokerFiles(settings.data_dir / "kafka")


def start_broker(settings: Settings, *, timeout: float = 90.0) -> BrokerState:
    """Start the local broker unless it runs already, and wait until it answers."""
    files = broker_files(settings)
    host, port = settings.bootstrap_host_port
    bind_host = settings.kafka_bind_host or "127.0.0.1"
    if host not in LOOPBACK_HOSTS and not settings.kafka_bind_host:
        raise LkError(
            f"`lk kafka up` starts a broker on this machine, but --bootstrap is {host}:{port}; "
            "use a loopback address (or set LK_KAFKA_BIND_HOST to bind elsewhere)"
        )
    version = kafka_version()
    files.root.mkdir(parents=True, exist_ok=True)
    with _start_lock(files):
        running = running_pid(files)
        if running:
            serving = _listener_port(files)
            if serving != port:
                raise LkError(
                    f"the local broker already runs on port {serving} (pid {running}); "
                    f"use --bootstrap 127.0.0.1:{serving} or `lk kafka down` first"
                )
            _wait_until_ready(settings.bootstrap, running, files, timeout)
            return BrokerState(running, settings.bootstrap, version, files.log, started_now=False)
        return _launch(settings, files, bind_host, host, port, version, timeout)


@contextlib.contextmanager
def _start_lock(files: BrokerFiles) -> Iterator[None]:
    """One `lk kafka up` at a time per data directory: a second waits, then finds it running."""
    with (files.root / "broker.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _launch(
    settings: Settings,
    files: BrokerFiles,
    bind_host: str,
    host: str,
    port: int,
    version: str,
    timeout: float,
) -> BrokerState:
    _require_free_port(bind_host, port, "the broker")
    controller_port = _controller_port(files) or _free_port(bind_host)
    _require_free_port(bind_host, controller_port, "the KRaft controller")
    files.config.write_text(_server_properties(files, bind_host, host, port, controller_port))
    if not (files.log_dirs / "meta.properties").exists():
        _format_storage(files)

    with files.log.open("ab") as log:
        process = subprocess.Popen(
            java_command(
                "kafka.Kafka", str(files.config), heap="1g", log_config="log4j2.properties"
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives the `lk kafka up` that started it
        )
    files.pid.write_text(str(process.pid))
    try:
        _wait_until_ready(settings.bootstrap, process.pid, files, timeout)
    except LkError:
        stop_broker(settings)
        raise
    return BrokerState(process.pid, settings.bootstrap, version, files.log, started_now=True)


def stop_broker(settings: Settings, *, timeout: float = 60.0) -> int | None:
    """Stop the local broker by its PID and wait until the process is gone; None if none ran."""
    files = broker_files(settings)
    pid = running_pid(files)
    if pid is None:
        files.pid.unlink(missing_ok=True)
        return None
    with contextlib.suppress(ProcessLookupError):  # it may exit on its own meanwhile
        os.kill(pid, signal.SIGTERM)  # a controlled shutdown: the log is closed cleanly
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
        time.sleep(0.2)
    files.pid.unlink(missing_ok=True)
    return pid


def running_pid(files: BrokerFiles) -> int | None:
    """The PID of our broker if it is running (checked against its command line), else None."""
    try:
        pid = int(files.pid.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    ours = b"kafka.Kafka" in command_line and str(files.config).encode() in command_line
    return pid if ours and alive(pid) else None


def _wait_until_ready(bootstrap: str, pid: int, files: BrokerFiles, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if not alive(pid):
            raise LkError(f"the Kafka broker exited while starting: {_last_error(files.log)}")
        try:
            with admin_client(bootstrap, bootstrap_timeout_ms=2_000) as admin:
                admin.list_topics()
            return
        except LkError:
            if time.monotonic() > deadline:
                raise LkError(
                    f"the Kafka broker did not answer at {bootstrap} within {timeout:.0f} s; "
                    f"see {files.log}"
                ) from None
            time.sleep(0.5)


def _last_error(log: Path) -> str:
    """The most telling line of the broker log: the last ERROR, else the last line."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return f"no log at {log}"
    errors = [line for line in lines if " ERROR " in line or "Exception" in line]
    chosen = (errors or lines or ["(empty log)"])[-1]
    return f"{chosen.strip()[:300]} (full log: {log})"


def _require_free_port(host: str, port: int, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the JVM does: sockets in TIME_WAIT from a broker just stopped do not hold the port.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise LkError(
                f"port {port} on {host} is taken by another process, so {what} cannot start; "
                "stop that process or choose another port with --bootstrap"
            ) from None


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _listener_port(files: BrokerFiles) -> int | None:
    """The port the broker's client listener was configured with at its last start."""
    for line in files.config.read_text().splitlines() if files.config.exists() else []:
        if line.startswith("listeners="):
            return int(line.split(",")[0].rsplit(":", 1)[1])
    return None


def _controller_port(files: BrokerFiles) -> int | None:
    """The controller port chosen when the storage was formatted (the quorum remembers it)."""
    if not files.config.exists():
        return None
    for line in files.config.read_text().splitlines():
        if line.startswith("controller.quorum.voters="):
            return int(line.rsplit(":", 1)[1])
    return None


def _server_properties(
    files: BrokerFiles, bind_host: str, advertised_host: str, port: int, controller_port: int
) -> str:
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{bind_host}:{controller_port}",
        "listeners": f"PLAINTEXT://{bind_host}:{port},CONTROLLER://{bind_host}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{advertised_host}:{port}",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(files.log_dirs),
        "num.partitions": "4",
        "auto.create.topics.enable": "false",
        "log.message.timestamp.type": "LogAppendTime",
        "log.retention.ms": "-1",
        "log.retention.bytes": "-1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
    }
    header = "# Written by `lk kafka up` on every start; edit infra/kafka_broker.py instead.\n"
    return header + "".join(f"{key}={value}\n" for key, value in settings.items())


def _format_storage(files: BrokerFiles) -> None:
    """Format the KRaft log directory once, with a fresh cluster id."""
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    result = subprocess.run(
        java_command(
            "kafka.tools.StorageTool",
            "format",
            f"--cluster-id={cluster_id}",
            "-c",
            str(files.config),
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise LkError(f"formatting Kafka storage in {files.log_dirs} failed: {detail[0]}")
