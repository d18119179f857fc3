"""Kafka's own command-line tools, run from the jars `make setup` fetched (no Kafka download):
`lk kafka tool consumer-groups --describe --group lk-speed` is `kafka-consumer-groups.sh` with the
project's broker address."""

from __future__ import annotations

import subprocess

from infra.java import java_command

TOOLS = {
    "topics": "org.apache.kafka.tools.TopicCommand",
    "consumer-groups": "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
    "configs": "kafka.admin.ConfigCommand",
    "get-offsets": "org.apache.kafka.tools.GetOffsetShell",
    "delete-records": "org.apache.kafka.tools.DeleteRecordsCommand",
    "log-dirs": "org.apache.kafka.tools.LogDirsCommand",
    "metadata-quorum": "org.apache.kafka.tools.MetadataQuorumCommand",
    "console-consumer": "org.apache.kafka.tools.consumer.ConsoleConsumer",
    "console-producer": "org.apache.kafka.tools.ConsoleProducer",
    "producer-perf-test": "org.apache.kafka.tools.ProducerPerformance",
    "consumer-perf-test": "org.apache.kafka.tools.ConsumerPerformance",
}
"""Each tool by the name of its script in Kafka's `bin/` (`kafka-<name>.sh`), and its main class
in Kafka 4.3.1's jars."""
TAKES_BOOTSTRAP_SERVER = set(TOOLS)
"""The tools that take `--bootstrap-server` (every one of these, in Kafka 4.3.1)."""


def tool_command(name: str, args: list[str], bootstrap: str) -> list[str]:
    """The command line of Kafka's tool `name` with `args`, given the project's `bootstrap`
    servers unless `args` name a broker themselves. KeyError for an unknown tool."""
    own = any(arg.startswith(("--bootstrap-server", "--bootstrap-controller")) for arg in args)
    if name in TAKES_BOOTSTRAP_SERVER and not own:
        args = ["--bootstrap-server", bootstrap, *args]
    return java_command(TOOLS[name], *args)


def run_tool(name: str, args: list[str], bootstrap: str) -> int:
    """Run Kafka's tool `name` in the foreground (its output is the terminal's); its exit code."""
    return subprocess.run(tool_command(name, args, bootstrap), check=False).returncode
