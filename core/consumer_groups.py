"""A streaming job's processed offsets, committed to a consumer group of its own, so Kafka's
tools see it: `kafka-consumer-groups --describe --group lk-speed` (or `lk-kappa-v1`), Kafka UIs
and lag exporters show how far the job has read and its lag.

For visibility only: Spark's checkpoint stays where a job resumes from; the group is never read
back. A commit that fails is logged once per job and never stops it.
"""

from __future__ import annotations

import logging
import threading

from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from core.kafka_client import BOOTSTRAP_TIMEOUT_MS, CONNECT_TIMEOUT_MS

GROUP_PREFIX = "lk-"
"""A job's group is this prefix and the job's name: `lk-speed`, `lk-kappa-v2`."""


def group_of(job_name: str) -> str:
    """The consumer group a job (`speed`, `kappa-v1`) commits its offsets to."""
    return f"{GROUP_PREFIX}{job_name}"


class GroupCommitter:
    """Commits one job's end offsets after each micro-batch to `group_of(job_name)`; one
    consumer, opened at the first commit and kept (a commit is then one request). Thread-safe."""

    def __init__(self, bootstrap: str, topic: str, job_name: str) -> None:
        self.bootstrap, self.topic, self.group = bootstrap, topic, group_of(job_name)
        self._consumer: KafkaConsumer | None = None
        self._lock = threading.Lock()
        self._warned = False

    def commit(self, end_offsets: dict[str, int]) -> None:
        """Commit `end_offsets` (partition -> the next offset to read) to the group; never
        raises."""
        if not end_offsets:
            return
        offsets = {
            TopicPartition(self.topic, int(p)): OffsetAndMetadata(int(o), "", -1)
            for p, o in end_offsets.items()
        }
        with self._lock:
            try:
                if self._consumer is None:
                    self._consumer = KafkaConsumer(
                        bootstrap_servers=self.bootstrap,
                        group_id=self.group,
                        enable_auto_commit=False,
                        client_id=self.group,
                        request_timeout_ms=CONNECT_TIMEOUT_MS + 1,
                        bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
                    )
                self._consumer.commit(offsets=offsets)
            except Exception as error:  # noqa: BLE001 (visibility only: the job goes on)
                if not self._warned:
                    self._warned = True
                    logging.getLogger(__name__).warning(
                        "offsets not committed to consumer group %s: %s", self.group, error
                    )

    def close(self) -> None:
        """Close the consumer (it never joined the group: nothing to leave)."""
        with self._lock:
            if self._consumer is not None:
                self._consumer.close(autocommit=False)
                self._consumer = None
