"""A single-node KRaft Kafka broker (broker and controller in one process) on loopback.

State lives in <data-dir>/kafka: server.properties, the formatted log directory, broker.log
and broker.pid (PID and start time). `start_broker` is idempotent; `stop_broker` stops it by
PID and waits.
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from core.errors import LkError
from core.kafka_client import admin_client
from core.layout import FolderMap
from core.locks import exclusive_lock
from core.net import free_port
from core.processes import (
    alive,
    command_line,
    pid_from_file,
    start_background,
    stop_processes,
)
from core.settings import Settings
from infra.java import java_command, kafka_version, run_kafka_tool
from infra.startup import last_error, require_free_port

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
RETENTION_CHECK_MS = 1_000
"""How often a broker started here looks for segments past their topic's retention (ms)."""


@dataclass(frozen=True)
class BrokerFiles(FolderMap):
    """Where the local broker keeps its configuration, data, log and PID."""

    root: Path
    ENTRIES = """
        config    server.properties  the broker's configuration
        log_dirs  log-dirs           the topics' data, KRaft metadata included
        log       broker.log         the broker's output
        pid       broker.pid         the broker's PID and start time
        lock      broker.lock        held while `lk kafka up` checks for and starts the broker
    """


@dataclass(frozen=True)
class BrokerState:
    """What `lk kafka up` and `status` report about the local broker."""

    pid: int
    bootstrap: str
    version: str
    log: Path
    started_now: bool


def broker_files(settings: Settings) -> BrokerFiles:
    """The local broker's files under <data-dir>/kafka."""
    return BrokerFiles(settings.data_dir / "kafka")


def start_broker(settings: Settings, *, timeout: float = 90.0) -> BrokerState:
    """Start the local broker unless it runs already, and wait until it answers at
    settings.bootstrap (up to `timeout` s); what runs now. LkError if it cannot start."""
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
    # One `lk kafka up` at a time per data directory: a second waits, then finds it running.
    with exclusive_lock(files.lock):
        running = running_pid(files)
        if running:
            serving = listener_port(files)
            if serving != port:
                raise LkError(
                    f"the local broker already runs on port {serving} (pid {running}); "
                    f"use --bootstrap 127.0.0.1:{serving} or `lk kafka down` first"
                )
            _wait_until_ready(settings.bootstrap, running, files, timeout)
            return BrokerState(running, settings.bootstrap, version, files.log, started_now=False)
        return _launch(settings, files, bind_host, host, port, version, timeout)


def _launch(
    settings: Settings,
    files: BrokerFiles,
    bind_host: str,
    host: str,
    port: int,
    version: str,
    timeout: float,
) -> BrokerState:
    require_free_port(bind_host, port, "the broker", "--bootstrap")
    controller_port = controller_port_of(files) or free_port(bind_host)
    require_free_port(bind_host, controller_port, "the KRaft controller", "--bootstrap")
    files.config.write_text(
        server_properties(
            files, bind_host, host, port, voters={1: f"{bind_host}:{controller_port}"}
        )
    )
    if not (files.log_dirs / "meta.properties").exists():
        format_storage(files, new_cluster_id())

    pid = start_background(
        java_command("kafka.Kafka", str(files.config), heap="1g", log_config="log4j2.properties"),
        log=files.log,
        pid_file=files.pid,
    )
    try:
        _wait_until_ready(settings.bootstrap, pid, files, timeout)
    except LkError:
        stop_broker(settings)
        raise
    return BrokerState(pid, settings.bootstrap, version, files.log, started_now=True)


def stop_broker(settings: Settings, *, timeout: float = 60.0) -> int | None:
    """Stop the local broker by its PID and wait until the process is gone: SIGTERM (a
    controlled shutdown that closes the log cleanly), SIGKILL after `timeout` s. The PID
    stopped, or None if none ran; LkError if it survives SIGKILL."""
    files = broker_files(settings)
    pid = running_pid(files)
    if pid is not None:
        stop_processes([pid], timeout=timeout)
    files.pid.unlink(missing_ok=True)
    return pid


def running_pid(files: BrokerFiles) -> int | None:
    """The PID of our broker if it is running (the process the PID file names, and its command
    line runs kafka.Kafka with our server.properties), else None."""
    pid = pid_from_file(files.pid)
    if pid is None:
        return None
    arguments = command_line(pid)
    ours = "kafka.Kafka" in arguments and str(files.config) in arguments
    return pid if ours else None


def _wait_until_ready(bootstrap: str, pid: int, files: BrokerFiles, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if not alive(pid):
            raise LkError(f"the Kafka broker exited while starting: {last_error(files.log)}")
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


def listener_port(files: BrokerFiles) -> int | None:
    """The port the broker's client listener was configured with at its last start."""
    for line in files.config.read_text().splitlines() if files.config.exists() else []:
        if line.startswith("listeners="):
            return int(line.split(",")[0].rsplit(":", 1)[1])
    return None


def controller_port_of(files: BrokerFiles) -> int | None:
    """The port of the node's KRaft controller listener at its last start (None: never started);
    the quorum remembers it, so a restart keeps it."""
    for line in files.config.read_text().splitlines() if files.config.exists() else []:
        if line.startswith("listeners="):
            for listener in line.removeprefix("listeners=").split(","):
                if listener.startswith("CONTROLLER://"):
                    return int(listener.rsplit(":", 1)[1])
    return None


def replication_settings(brokers: int) -> dict[str, str]:
    """The broker defaults for a cluster of `brokers` nodes: every topic (the internal ones
    too) gets min(3, brokers) replicas, and a write with acks=all needs 2 in-sync copies once
    there are 3 (1 below that)."""
    replicas = min(3, brokers)
    in_sync = "2" if replicas >= 3 else "1"
    return {
        "default.replication.factor": str(replicas),
        "min.insync.replicas": in_sync,
        "offsets.topic.replication.factor": str(replicas),
        "transaction.state.log.replication.factor": str(replicas),
        "transaction.state.log.min.isr": in_sync,
        "share.coordinator.state.topic.replication.factor": str(replicas),
        "share.coordinator.state.topic.min.isr": in_sync,
    }


def server_properties(
    files: BrokerFiles,
    bind_host: str,
    advertised_host: str,
    port: int,
    *,
    voters: dict[int, str],
    node_id: int = 1,
) -> str:
    """server.properties of node `node_id`, a combined broker and KRaft controller serving
    clients at `port`; `voters` maps every node id of the controller quorum to its controller
    address (host:port), this node's own included. Replication follows the number of voters."""
    controller_port = int(voters[node_id].rsplit(":", 1)[1])
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "controller.quorum.voters": ",".join(f"{k}@{voters[k]}" for k in sorted(voters)),
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
        # How often the broker deletes segments past their topic's retention (default 5 min):
        # the `retention` experiment shortens a topic's retention.ms and waits for it.
        "log.retention.check.interval.ms": str(RETENTION_CHECK_MS),
        **replication_settings(len(voters)),
        "group.initial.rebalance.delay.ms": "0",
    }
    header = "# Written by `lk kafka up` on every start; edit infra/kafka_broker.py instead.\n"
    return header + "".join(f"{key}={value}\n" for key, value in settings.items())


def new_cluster_id() -> str:
    """A fresh KRaft cluster id: 16 random bytes, base64url without padding (Kafka's form)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def format_storage(files: BrokerFiles, cluster_id: str) -> None:
    """Format the node's KRaft log directory once, with the cluster's id. LkError if it fails."""
    try:
        run_kafka_tool(
            "kafka.tools.StorageTool",
            "format",
            f"--cluster-id={cluster_id}",
            "-c",
            str(files.config),
            timeout=120,
        )
    except LkError as error:
        raise LkError(f"formatting Kafka storage in {files.log_dirs}: {error}") from None
