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
    files = broker_files(settings)
    pid = running_pid(files)
    nodes = cluster_nodes(settings)
    lines = []
    if nodes:
        lines.append(f"local cluster: {len(nodes)} node(s), Kafka {kafka_version()}")
        for node in nodes:
            state = f"running (pid {node.pid})" if node.pid else "not running"
            lines.append(
                f"  node {node.node_id}: {state}, port {node.port}, "
                f"controller port {node.controller_port}, log {node.log}"
            )
    if pid:  # the single broker, even beside a cluster's folders
        lines.append(f"local broker: running (pid {pid}), Kafka {kafka_version()}, log {files.log}")
    elif not nodes:
        lines.append("local broker: not running")
    try:
        topics = list_topics(settings.bootstrap)
    except LkError as error:
        lines.append(f"cluster at {settings.bootstrap}: {error}")
        return "\n".join(lines), False
    lines.append(f"cluster at {settings.bootstrap}: answering, {len(topics)} topic(s)")
    if nodes:
        fencing = broker_fencing(settings.bootstrap)
        fenced = [k for k, is_fenced in fencing.items() if is_fenced]
        serving = sorted(k for k in fencing if k not in fenced)
        lines.append(f"  brokers: {serving}" + (f" (fenced: {fenced})" if fenced else ""))
        lines.append(f"  controller: {quorum_leader(settings.bootstrap)}")
    replicas = _replicas(settings.bootstrap, topics)
    for topic in topics:
        offsets = end_offsets(settings.bootstrap, topic)
        per_partition = "  ".join(f"p{p}={o:,}" for p, o in offsets.items())
        lines.append(
            f"  {topic}: {len(offsets)} partition(s), {sum(offsets.values()):,} records, "
            f"{replicas.get(topic, '?')}  [{per_partition}]"
        )
    return "\n".join(lines), True


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
