"""`lk kafka tool NAME ...` runs Kafka's own tool from the project's jars against the project's
broker: what `kafka-topics.sh` and `kafka-consumer-groups.sh` print, with no Kafka download."""

from __future__ import annotations

import pytest

from infra.kafka_tools import TOOLS, tool_command
from lk.cli import main

pytestmark = pytest.mark.slow


def test_a_tool_gets_the_project_s_broker_unless_given_one():
    command = tool_command("topics", ["--list"], "127.0.0.1:19092")
    assert command[-4:] == [TOOLS["topics"], "--bootstrap-server", "127.0.0.1:19092", "--list"]
    own = tool_command("topics", ["--bootstrap-server", "10.0.0.1:9092", "--list"], "x:1")
    assert own.count("--bootstrap-server") == 1 and "x:1" not in own


def test_kafka_s_topics_tool_lists_the_topic(kafka, topic, capfd):
    assert main(["kafka", "tool", "--bootstrap", kafka.bootstrap, "topics", "--list"]) == 0
    assert topic in capfd.readouterr().out.split()
    describe = ["topics", "--describe", "--topic", topic]
    code = main(["kafka", "tool", "--bootstrap", kafka.bootstrap, *describe])
    described, said = capfd.readouterr()
    assert code == 0, said
    assert "PartitionCount: 4" in described and "LogAppendTime" in described
