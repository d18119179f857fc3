"""Settings of a topic or of the brokers, changed or read while the cluster runs (Kafka's
IncrementalAlterConfigs and DescribeConfigs)."""

from __future__ import annotations

from kafka.errors import KafkaError

from core.errors import LkError
from core.kafka_client import admin_client


def set_topic_config(bootstrap: str, topic: str, configs: dict[str, str]) -> None:
    """Set these settings of an existing topic, leaving its others as they are (Kafka's
    IncrementalAlterConfigs). LkError (one line) if Kafka refuses one."""
    from kafka.admin import ConfigResource, ConfigResourceType

    with admin_client(bootstrap) as admin:
        try:
            results = admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, topic, configs=configs)]
            )
        except (KafkaError, ValueError) as error:
            raise LkError(f"Kafka refused {configs} for topic {topic!r}: {error}") from error
    result = results.get("topic", {}).get(topic)  # kafka-python reports a refusal, not raises
    if result != "OK":
        raise LkError(f"Kafka refused {configs} for topic {topic!r}: {result}")


def retention_check_ms(bootstrap: str) -> int | None:
    """The longest `log.retention.check.interval.ms` among the cluster's brokers: how long a
    shortened retention may take to delete anything (ms); None if no broker says."""
    from kafka.admin import ConfigResource, ConfigResourceType

    name = "log.retention.check.interval.ms"
    with admin_client(bootstrap) as admin:
        brokers = [str(broker["broker_id"]) for broker in admin.describe_cluster()["brokers"]]
        result = admin.describe_configs(
            [ConfigResource(ConfigResourceType.BROKER, node, configs=[name]) for node in brokers],
            config_filter="all",
        )
    found = [
        int(entries[name]["value"])
        for entries in result.get("broker", {}).values()
        if entries.get(name, {}).get("value") is not None
    ]
    return max(found, default=None)
