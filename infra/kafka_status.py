"""`lk kafka status`: the local broker's process, the cluster's version and every topic's offsets."""

from __future__ import annotations

from core.errors import LkError
from core.kafka_client import end_offsets, list_topics
from core.settings import Settings
from infra.java import kafka_version
from infra.kafka_broker import broker_files, running_pid


def describe_kafka(settings: Settings) -> tuple[str, bool]:
    """A readable report, and whether a broker answers at the bootstrap address."""
    files = broker_files(settings)
    pid = running_pid(files)
    lines = []
    if pid:
        lines.append(f"local broker: running (pid {pid}), Kafka {kafka_version()}, log {files.log}")
    else:
        lines.append("local broker: not running")
    try:
        topics = list_topics(settings.bootstrap)
    except LkError as error:
        lines.append(f"cluster at {settings.bootstrap}: {error}")
        return "\n".join(lines), False
    lines.append(f"cluster at {settings.bootstrap}: answering, {len(topics)} topic(s)")
    for topic in topics:
        offsets = end_offsets(settings.bootstrap, topic)
        per_partition = "  ".join(f"p{p}={o:,}" for p, o in offsets.items())
        lines.append(
            f"  {topic}: {len(offsets)} partition(s), {sum(offsets.values()):,} records  [{per_partition}]"
        )
    return "\n".join(lines), True
