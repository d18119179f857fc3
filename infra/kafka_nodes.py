"""The nodes of a local KRaft cluster (`lk kafka up --brokers N`): where each keeps its files,
which ports they serve, which run, and what the cluster reports.

Node k (1..N) keeps its files in <data-dir>/kafka/node-<k>/ (the single broker's set of files,
infra/kafka_broker.py) and serves clients on the k-th address of --bootstrap when it lists N,
or on the given port + k - 1 when it lists one (127.0.0.1:9092 gives 9092, 9093, 9094).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import LkError
from core.kafka_client import admin_client
from core.settings import Settings, parse_host_port
from infra.kafka_broker import (
    LOOPBACK_HOSTS,
    BrokerFiles,
    broker_files,
    controller_port_of,
    listener_port,
    running_pid,
)
from infra.startup import MAX_PORT

NODE_PREFIX = "node-"
"""Node k's folder under <data-dir>/kafka is `node-<k>`."""


@dataclass(frozen=True)
class NodeState:
    """One node of the cluster as `lk kafka up` and `status` report it: its id (1..N), PID
    (None: not running), client port, controller port and log."""

    node_id: int
    pid: int | None
    port: int | None
    controller_port: int | None
    log: Path
    started_now: bool = False


def node_files(settings: Settings, node_id: int) -> BrokerFiles:
    """Node `node_id`'s files under <data-dir>/kafka/node-<k>/."""
    return BrokerFiles(broker_files(settings).root / f"{NODE_PREFIX}{node_id}")


def cluster_node_ids(settings: Settings) -> list[int]:
    """The ids of the nodes this data directory holds (folders node-<k>), sorted; [] for none."""
    root = broker_files(settings).root
    found = []
    for folder in root.glob(f"{NODE_PREFIX}*") if root.exists() else []:
        suffix = folder.name.removeprefix(NODE_PREFIX)
        if suffix.isdigit() and folder.is_dir():
            found.append(int(suffix))
    return sorted(found)


def node_addresses(bootstrap: str, brokers: int) -> list[tuple[str, int]]:
    """(host, port) of nodes 1..brokers from --bootstrap: its N addresses, or its one address
    and the next brokers - 1 ports. LkError for any other number of addresses, a port that is
    no TCP port (1-65535; the next ports can pass the last), or a host that is not loopback."""
    addresses = [parse_host_port(part) for part in bootstrap.split(",") if part.strip()]
    listed = len(addresses)
    if listed == 1:
        host, port = addresses[0]
        addresses = [(host, port + k) for k in range(brokers)]
    if len(addresses) != brokers:
        raise LkError(
            f"--bootstrap lists {len(addresses)} addresses for {brokers} brokers; give one "
            f"address (the next ports follow) or all {brokers}"
        )
    for k, (_, port) in enumerate(addresses, start=1):
        if not 0 < port <= MAX_PORT:
            hint = (
                f"give a first port of at most {MAX_PORT - brokers + 1}"
                if listed == 1 and 0 < addresses[0][1] <= MAX_PORT
                else f"choose ports from 1 to {MAX_PORT}"
            )
            raise LkError(
                f"--bootstrap {bootstrap} gives Kafka node {k} port {port}, which is not a TCP "
                f"port (1-{MAX_PORT}); {hint}"
            )
    for host, port in addresses:
        if host not in LOOPBACK_HOSTS:
            raise LkError(
                f"`lk kafka up` starts brokers on this machine, but --bootstrap has {host}:{port}; "
                "use loopback addresses"
            )
    return addresses


def cluster_bootstrap(addresses: list[tuple[str, int]]) -> str:
    """The bootstrap list of every node: host:port,host:port,..."""
    return ",".join(f"{host}:{port}" for host, port in addresses)


def broker_fencing(bootstrap: str) -> dict[int, bool]:
    """Every broker the cluster at `bootstrap` reports now: id -> fenced (True: registered but
    not serving, e.g. down and not yet back: the controller fences a broker that missed its
    heartbeats for broker.session.timeout.ms, 9 s by default). {} if none answers. Asked at
    one address, it is what that broker believes."""
    try:
        with admin_client(bootstrap, bootstrap_timeout_ms=2_000) as admin:
            brokers = admin.describe_cluster()["brokers"]
    except LkError:
        return {}
    return {b["broker_id"]: bool(b.get("is_fenced")) for b in sorted(brokers, key=str)}


def registered_brokers(bootstrap: str) -> list[int]:
    """The ids of the brokers serving now (registered and not fenced), sorted; [] if none
    answers."""
    return sorted(k for k, fenced in broker_fencing(bootstrap).items() if not fenced)


def cluster_nodes(settings: Settings) -> list[NodeState]:
    """Every node of the data directory's cluster, running or not."""
    return [
        NodeState(k, running_pid(f), listener_port(f), controller_port_of(f), f.log)
        for k in cluster_node_ids(settings)
        for f in [node_files(settings, k)]
    ]


def refuse_running_cluster(settings: Settings) -> None:
    """LkError if a node of a cluster runs in this data directory (before the single broker
    starts there)."""
    running = [node for node in cluster_nodes(settings) if node.pid]
    if running:
        raise LkError(
            f"a {len(cluster_node_ids(settings))}-node Kafka cluster runs in this data directory "
            f"(node {running[0].node_id} pid {running[0].pid}); `lk kafka down` first, or use "
            "`lk kafka up --brokers N` and another --data-dir"
        )
