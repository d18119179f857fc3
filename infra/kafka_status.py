"""`lk kafka status`: the local broker's (or each cluster node's) process, the brokers and
controller the cluster reports, and every topic's offsets and replicas."""

from __future__ import annotations

import json

from core.errors import LkError
from core.kafka_client import admin_client, end_offsets, list_topics
from core.settings import Settings
from infra.java import kafka_version, run_kafka_tool
from infra.kafka_broker import broker_files, running_pid
from infra.kafka_nodes import broker_fencing, cluster_nodes

QUORUM_TOOL = "org.apache.kafka.tools.MetadataQuorumCommand"


def describe_kafka(settings: Settings) -> tuple[str, bool]:
    """A readable report, and whether a broker answers at the bootstrap address."""
    state = kafka_state(settings)
    return format_kafka(state), state["answering"]


def kafka_state(settings: Settings) -> dict:
    """What `lk kafka status` reports, as data (`--json`): `version` (of the jars), `broker`
    (the single local broker: pid, log; None when not running), `nodes` (a local cluster's:
    node_id, pid or None, port, controller_port, log), `bootstrap`, `answering`, `error` (why
    not), `brokers` and `fenced` (node ids; a local cluster only), `controller`, and `topics`:
    name -> partitions, records (the sum of end offsets), end_offsets, replicas."""
    files = broker_files(settings)
    pid = running_pid(files)
    nodes = cluster_nodes(settings)
    state: dict = {
        "version": kafka_version() if pid or nodes else None,
        "broker": {"pid": pid, "log": str(files.log)} if pid else None,
        "nodes": [
            {
                "node_id": node.node_id,
                "pid": node.pid,
                "port": node.port,
                "controller_port": node.controller_port,
                "log": str(node.log),
            }
            for node in nodes
        ],
        "bootstrap": settings.bootstrap,
        "answering": False,
        "error": None,
        "topics": {},
    }
    try:
        topics = list_topics(settings.bootstrap)
    except LkError as error:
        state["error"] = str(error)
        return state
    state["answering"] = True
    if nodes:
        fencing = broker_fencing(settings.bootstrap)
        state["fenced"] = [k for k, is_fenced in fencing.items() if is_fenced]
        state["brokers"] = sorted(k for k in fencing if k not in state["fenced"])
        state["controller"] = quorum_leader(settings.bootstrap)
    replicas = _replicas(settings.bootstrap, topics)
    for topic in topics:
        offsets = end_offsets(settings.bootstrap, topic)
        state["topics"][topic] = {
            "partitions": len(offsets),
            "records": sum(offsets.values()),
            "end_offsets": {str(p): o for p, o in offsets.items()},
            "replicas": replicas.get(topic, "?"),
        }
    return state


def format_kafka(state: dict) -> str:
    """`kafka_state` as the lines `lk kafka status` prints."""
    lines = []
    if state["nodes"]:
        lines.append(f"local cluster: {len(state['nodes'])} node(s), Kafka {state['version']}")
        for node in state["nodes"]:
            running = f"running (pid {node['pid']})" if node["pid"] else "not running"
            lines.append(
                f"  node {node['node_id']}: {running}, port {node['port']}, "
                f"controller port {node['controller_port']}, log {node['log']}"
            )
    broker = state["broker"]
    if broker:  # the single broker, even beside a cluster's folders
        lines.append(
            f"local broker: running (pid {broker['pid']}), Kafka {state['version']}, "
            f"log {broker['log']}"
        )
    elif not state["nodes"]:
        lines.append("local broker: not running")
    if not state["answering"]:
        lines.append(f"cluster at {state['bootstrap']}: {state['error']}")
        return "\n".join(lines)
    lines.append(f"cluster at {state['bootstrap']}: answering, {len(state['topics'])} topic(s)")
    if "brokers" in state:
        fenced = state["fenced"]
        lines.append(f"  brokers: {state['brokers']}" + (f" (fenced: {fenced})" if fenced else ""))
        lines.append(f"  controller: {state['controller']}")
    for topic, about in state["topics"].items():
        per_partition = "  ".join(f"p{p}={o:,}" for p, o in about["end_offsets"].items())
        lines.append(
            f"  {topic}: {about['partitions']} partition(s), {about['records']:,} records, "
            f"{about['replicas']}  [{per_partition}]"
        )
    return "\n".join(lines)


def quorum_leader(bootstrap: str) -> str:
    """The KRaft quorum's leader (the active controller) and its voters, as Kafka's own
    kafka-metadata-quorum tool reports them, e.g. "node 2 (voters 1, 2, 3)"; the tool's error
    line if it cannot tell."""
    try:
        output = run_kafka_tool(
            QUORUM_TOOL, "--bootstrap-server", bootstrap, "describe", "--status", timeout=60
        )
    except LkError as error:
        return f"unknown ({error})"
    fields = dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition(":") for line in output.splitlines())
    )
    voters = [voter["id"] for voter in json.loads(fields.get("CurrentVoters", "[]"))]
    return f"node {fields.get('LeaderId', '?')} (voters {', '.join(map(str, voters))})"


def _replicas(bootstrap: str, topics: list[str]) -> dict[str, str]:
    """Per topic: its replicas and how many partitions have fewer in sync, e.g.
    "3 replicas, 0 under-replicated"."""
    if not topics:
        return {}
    with admin_client(bootstrap) as admin:
        described = admin.describe_topics(topics)
    found = {}
    for topic in described:
        partitions = topic.get("partitions") or []
        if not partitions:
            continue
        factor = max(len(p["replica_nodes"]) for p in partitions)
        under = sum(len(p["isr_nodes"]) < len(p["replica_nodes"]) for p in partitions)
        found[topic["name"]] = f"{factor} replica(s), {under} under-replicated"
    return found
