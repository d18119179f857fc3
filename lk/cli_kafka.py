"""`lk kafka up | down | status`: the local broker, or a KRaft cluster of several on loopback;
`lk kafka tool NAME ...`: one of Kafka's own tools (infra/kafka_tools.py)."""

from __future__ import annotations

import argparse
import json

from core.flag_types import positive_int
from core.settings import Settings
from lk.cli_args import command, command_group

BROKERS_HELP = (
    "nodes to start (default 1: the single broker). With N > 1, each node is a broker and "
    "KRaft controller; --bootstrap lists the N addresses, or gives one and the next N-1 ports "
    "follow (127.0.0.1:9092 -> 9092,9093,9094); give the other commands all N. Topics get "
    "min(3, N) replicas and, with 3, min.insync.replicas=2"
)


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `lk kafka` and its actions."""
    kafka = command_group(
        commands, "kafka", "the local KRaft broker, or a cluster of several on loopback", common
    )
    up = command(
        kafka,
        "up",
        "start the local broker or cluster (idempotent), wait until it answers",
        common,
        _up,
    )
    up.add_argument("--brokers", type=positive_int, default=1, help=BROKERS_HELP)
    command(
        kafka, "down", "stop the local broker or every node by PID, wait until gone", common, _down
    )
    command(
        kafka,
        "status",
        "each node's PID and port, the brokers and controller, each topic's end offsets",
        common,
        _status,
        prints="the status",
    )
    from infra.kafka_tools import TOOLS

    tool = command(
        kafka,
        "tool",
        "run one of Kafka's own tools (kafka-<name>.sh) from the project's jars, with "
        "--bootstrap-server set to the project's broker unless given",
        common,
        _tool,
    )
    tool.add_argument("name", choices=sorted(TOOLS), help="the tool, by its script's name")
    tool.add_argument(
        "args",
        nargs=argparse.REMAINDER,
        help="its own flags, e.g. --list (lk's own flags, such as --bootstrap, go before NAME)",
    )


def _tool(settings: Settings, args: argparse.Namespace) -> int:
    from infra.kafka_tools import run_tool

    return run_tool(args.name, args.args, settings.bootstrap)


def _up(settings: Settings, args: argparse.Namespace) -> int:
    if args.brokers == 1:
        from infra.kafka_broker import start_broker
        from infra.kafka_nodes import refuse_running_cluster

        refuse_running_cluster(settings)
        state = start_broker(settings)
        verb = "started" if state.started_now else "already running"
        print(
            f"Kafka {state.version} {verb} at {state.bootstrap} (pid {state.pid}); log: {state.log}"
        )
        return 0
    from infra.kafka_cluster import start_cluster

    cluster = start_cluster(settings, args.brokers)
    for node in cluster.nodes:
        verb = "started" if node.started_now else "already running"
        print(
            f"node {node.node_id}: {verb} at 127.0.0.1:{node.port} (pid {node.pid}); log: {node.log}"
        )
    print(f"Kafka {cluster.version} cluster of {len(cluster.nodes)} brokers at {cluster.bootstrap}")
    if cluster.bootstrap != settings.bootstrap:
        print(f"use it: export LK_BOOTSTRAP={cluster.bootstrap}")
    return 0


def _down(settings: Settings, args: argparse.Namespace) -> int:
    from infra.kafka_broker import stop_broker
    from infra.kafka_cluster import stop_cluster

    nodes = stop_cluster(settings)
    pid = stop_broker(settings)
    if nodes:
        stopped = ", ".join(f"node {k} pid {p}" for k, p in nodes.items())
        print(f"Kafka cluster stopped ({stopped})")
    if pid is not None:
        print(f"Kafka stopped (pid {pid})")
    if not nodes and pid is None:
        print("Kafka was not running")
    return 0


def _status(settings: Settings, args: argparse.Namespace) -> int:
    from infra.kafka_status import format_kafka, kafka_state

    state = kafka_state(settings)
    print(json.dumps(state, indent=2) if args.json else format_kafka(state))
    return 0 if state["answering"] else 1
