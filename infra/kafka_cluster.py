"""A KRaft Kafka cluster of several nodes on loopback: `lk kafka up --brokers N` (N > 1).

Every node runs from the same jars as the single broker (infra/kafka_broker.py) and is a
combined broker and KRaft controller; the N controllers form one quorum
(`controller.quorum.voters`), and all nodes share one cluster id. Topics get min(3, N) replicas
and, with 3, `min.insync.replicas=2` (`kafka_broker.replication_settings`).

Ports. Node k (1..N) serves clients on the k-th address of --bootstrap / LK_BOOTSTRAP when it
lists N addresses (127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094), or on the given port + k - 1
when it lists one (127.0.0.1:9092 gives 9092, 9093, 9094). Either way the cluster's bootstrap
is the list of all N, which every other command should be given. Each node's controller port
is a free port chosen at its first start and kept (its server.properties; the quorum
remembers it).

State: <data-dir>/kafka/node-<k>/ holds node k's server.properties, log-dirs/, broker.log and
broker.pid (the single broker's files, one set per node); <data-dir>/kafka/cluster-id the id
every node was formatted with. Start: check every port the nodes to start need, format every
node not yet formatted, start every node not running, then wait until the cluster reports N
brokers. A first start that fails before any node runs removes the node folders it wrote (a
data directory with node folders holds a cluster of that many nodes). Stop: by PID, every node.
"""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from core.errors import LkError
from core.locks import exclusive_lock
from core.net import free_port
from core.processes import alive, start_background, stop_processes
from core.settings import Settings
from infra.java import java_command, kafka_version
from infra.kafka_broker import (
    BrokerFiles,
    broker_files,
    controller_port_of,
    format_storage,
    listener_port,
    new_cluster_id,
    running_pid,
    server_properties,
)
from infra.kafka_nodes import (
    NodeState,
    cluster_bootstrap,
    cluster_node_ids,
    node_addresses,
    node_files,
    registered_brokers,
)
from infra.startup import last_error, require_free_port


@dataclass(frozen=True)
class ClusterState:
    """What `lk kafka up --brokers N` started or found: the nodes, the cluster's bootstrap
    (all N addresses) and the Kafka version."""

    nodes: tuple[NodeState, ...]
    bootstrap: str
    version: str


def start_cluster(settings: Settings, brokers: int, *, timeout: float = 120.0) -> ClusterState:
    """Start every node of a `brokers`-node cluster that is not running (formatting new ones
    with the cluster's id) and wait up to `timeout` s until the cluster reports `brokers`
    brokers. Idempotent: running nodes are left alone, a node that died is started again.
    LkError, before anything is written, if a port a node needs is taken. LkError, with the
    node's last log error, if a node exits while starting (or the cluster does not form in
    time, or a launch fails); then the nodes this call started are stopped."""
    if brokers < 2:
        raise ValueError("a cluster has at least 2 nodes; start one broker with start_broker")
    addresses = node_addresses(settings.bootstrap, brokers)
    bootstrap = cluster_bootstrap(addresses)
    version = kafka_version()
    root = broker_files(settings).root
    root.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(broker_files(settings).lock):
        first_start = not _refuse_other_layouts(settings, brokers, addresses)
        files = {k: node_files(settings, k) for k in range(1, brokers + 1)}
        running = {k: running_pid(f) for k, f in files.items()}
        to_start = [k for k, pid in running.items() if pid is None]
        voters = _voters(files, addresses)
        _require_free_ports(to_start, addresses, voters)
        id_file = root / "cluster-id"
        had_id = id_file.exists()
        try:
            _write_configs(files, to_start, addresses, voters)
            _format_new(files, to_start, _cluster_id(id_file))
        except BaseException:
            if first_start:  # leave no node folder that would count as a cluster
                _remove_nodes(files, None if had_id else id_file)
            raise
        started = []
        try:
            for k in to_start:
                running[k] = start_background(
                    java_command(
                        "kafka.Kafka",
                        str(files[k].config),
                        heap="1g",
                        log_config="log4j2.properties",
                    ),
                    log=files[k].log,
                    pid_file=files[k].pid,
                )
                started.append(k)
            wait_for_brokers(addresses, {k: (running[k], files[k]) for k in files}, timeout)
        except Exception:
            stop_processes([running[k] for k in started])
            raise
    nodes = tuple(
        NodeState(
            k,
            running[k],
            addresses[k - 1][1],
            controller_port_of(files[k]),
            files[k].log,
            started_now=k in to_start,
        )
        for k in files
    )
    return ClusterState(nodes, bootstrap, version)


def _refuse_other_layouts(
    settings: Settings, brokers: int, addresses: list[tuple[str, int]]
) -> list[int]:
    """LkError if the single broker runs here, the data directory holds a cluster of another
    size, or a running node serves another port than asked. The ids of the nodes the data
    directory holds ([]: the cluster's first start)."""
    single = running_pid(broker_files(settings))
    if single:
        raise LkError(
            f"the single-node broker runs in this data directory (pid {single}); "
            "`lk kafka down` first, or use another --data-dir"
        )
    existing = cluster_node_ids(settings)
    if existing and existing != list(range(1, brokers + 1)):
        raise LkError(
            f"this data directory holds a {len(existing)}-node cluster; use --brokers "
            f"{len(existing)} or another --data-dir"
        )
    for k in existing:
        files = node_files(settings, k)
        pid, port = running_pid(files), listener_port(files)
        if pid and port != addresses[k - 1][1]:
            raise LkError(
                f"Kafka node {k} already runs on port {port} (pid {pid}); use the cluster's "
                f"--bootstrap or `lk kafka down` first"
            )
    return existing


def _voters(files: dict[int, BrokerFiles], addresses: list[tuple[str, int]]) -> dict[int, str]:
    """node id -> controller address: each node's remembered port, for a new node a free one
    that no node's client port or other controller uses."""
    remembered = {k: controller_port_of(node) for k, node in files.items()}
    taken = {port for _, port in addresses} | {p for p in remembered.values() if p}
    voters = {}
    for k, port in remembered.items():
        while port is None or (not remembered[k] and port in taken):
            port = free_port("127.0.0.1")
        taken.add(port)
        voters[k] = f"127.0.0.1:{port}"
    return voters


def _require_free_ports(
    to_start: list[int], addresses: list[tuple[str, int]], voters: dict[int, str]
) -> None:
    """LkError, before anything is written, unless every client and controller port of the
    nodes about to start is free, and none is wanted twice."""
    wanted: dict[int, tuple[str, str]] = {}
    for k in to_start:
        client = addresses[k - 1][1]
        controller = int(voters[k].rsplit(":", 1)[1])
        for port, what, option in (
            (client, f"Kafka node {k}", "--bootstrap"),
            (controller, f"the KRaft controller of node {k}", "--data-dir"),
        ):
            if port in wanted:
                raise LkError(
                    f"port {port} is wanted by both {wanted[port][0]} and {what}; choose other "
                    "ports with --bootstrap"
                )
            wanted[port] = (what, option)
    for port, (what, option) in wanted.items():
        require_free_port("127.0.0.1", port, what, option)


def _write_configs(
    files: dict[int, BrokerFiles],
    to_start: list[int],
    addresses: list[tuple[str, int]],
    voters: dict[int, str],
) -> None:
    for k in to_start:
        host, port = addresses[k - 1]
        files[k].root.mkdir(parents=True, exist_ok=True)
        files[k].config.write_text(
            server_properties(files[k], "127.0.0.1", host, port, voters=voters, node_id=k)
        )


def _remove_nodes(files: dict[int, BrokerFiles], id_file: Path | None) -> None:
    """Undo a first start that failed before any node ran: remove the node folders (and the
    cluster id it made, `id_file`), so the data directory holds no cluster, of any size."""
    for node in files.values():
        shutil.rmtree(node.root, ignore_errors=True)
    if id_file is not None:
        id_file.unlink(missing_ok=True)


def _cluster_id(path: Path) -> str:
    """The cluster's id, made and kept in `path` at the first start."""
    if not path.exists():
        path.write_text(new_cluster_id() + "\n")
    return path.read_text().strip()


def _format_new(files: dict[int, BrokerFiles], to_start: list[int], cluster_id: str) -> None:
    """Format, side by side, the log directory of every node about to start that has none."""
    new = [files[k] for k in to_start if not (files[k].log_dirs / "meta.properties").exists()]
    with ThreadPoolExecutor(max_workers=max(1, len(new))) as pool:
        for done in [pool.submit(format_storage, node, cluster_id) for node in new]:
            done.result()


def wait_for_brokers(
    addresses: list[tuple[str, int]],
    nodes: dict[int, tuple[int, BrokerFiles]],
    timeout: float,
) -> None:
    """Wait up to `timeout` s until every node, asked at its own address, reports all of them
    as brokers (a node that lost its controller quorum keeps reporting brokers that died, so
    one node's word is not enough). `nodes`: node id -> (PID, files). LkError with a node's last
    log error if one exits, or when the time is up."""
    deadline = time.monotonic() + timeout
    expected = list(range(1, len(addresses) + 1))
    waiting = dict(enumerate(addresses, start=1))
    while True:
        for k, (pid, files) in nodes.items():
            if not alive(pid):
                raise LkError(f"Kafka node {k} exited while starting: {last_error(files.log)}")
        for k, (host, port) in list(waiting.items()):
            if registered_brokers(f"{host}:{port}") == expected:
                del waiting[k]
        if not waiting:
            return
        if time.monotonic() > deadline:
            k = min(waiting)
            raise LkError(
                f"Kafka node {k} did not report all {len(expected)} brokers within "
                f"{timeout:.0f} s: {last_error(nodes[k][1].log)}"
            )
        time.sleep(0.5)


def stop_cluster(settings: Settings, *, timeout: float = 60.0) -> dict[int, int]:
    """Stop every running node of the data directory's cluster by PID (SIGTERM: a controlled
    shutdown, SIGKILL after `timeout` s) and wait until all are gone. node id -> PID stopped."""
    stopped = {}
    for k in cluster_node_ids(settings):
        files = node_files(settings, k)
        pid = running_pid(files)
        if pid is not None:
            stopped[k] = pid
    stop_processes(stopped.values(), timeout=timeout)
    for k in cluster_node_ids(settings):
        node_files(settings, k).pid.unlink(missing_ok=True)
    return stopped
