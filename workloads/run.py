"""`lk produce`: pick the event source, make sure the topic exists, send, summarise."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from core.errors import LkError
from core.kafka_client import ensure_topic, topic_config
from core.settings import Settings
from workloads.file_replay import read_file
from workloads.generator import generate
from workloads.producer import DELIVERY_TIMEOUT_SECONDS, send_records
from workloads.records import Record
from workloads.scenarios import scenario_named


def produce(
    settings: Settings,
    *,
    events: int | None = None,
    duration: float | None = None,
    from_file: Path | None = None,
    rate: float | None = None,
    seed: int = 42,
    scenario_name: str = "steady",
    start_time: str | None = None,
    partitions: int = 4,
    replication_factor: int | None = None,
    show_progress: bool | None = None,
    delivery_timeout: float = DELIVERY_TIMEOUT_SECONDS,
) -> dict:
    """Send one workload to the topic and return its summary (sent, rate, duplicates, ...).
    A topic it creates gets `replication_factor` replicas (None: the cluster's, see
    core.kafka_client.ensure_topic); a record not acknowledged within `delivery_timeout` s
    fails the run (LkError)."""
    scenario = scenario_named(scenario_name).with_overrides(
        rate=rate, start=_parse_start(start_time) if start_time else None
    )
    if from_file is not None:
        records = read_file(from_file)
        total = None
        paced = rate is not None
        if paced:
            records = paced_records(records, rate)
        source = {"source": str(from_file)}
    else:
        records = generate(scenario, seed, events=events, duration=duration)
        total = events
        paced = duration is not None or rate is not None
        source = {"source": "generator", "scenario": scenario.name, "seed": seed}

    created = ensure_topic(
        settings.bootstrap,
        settings.topic,
        partitions=partitions,
        replication_factor=replication_factor,
    )
    if not created:
        _check_existing_topic(settings)
    summary = send_records(
        records,
        settings.bootstrap,
        settings.topic,
        paced=paced,
        total=total,
        show_progress=show_progress,
        delivery_timeout=delivery_timeout,
    )
    return {"topic": settings.topic, **source, **summary.as_dict()}


def paced_records(records: Iterable[Record], rate: float) -> Iterator[Record]:
    """File records spread at `rate` records per second (each `send_at` = its index / rate)."""
    from dataclasses import replace

    for index, record in enumerate(records):
        yield replace(record, send_at=index / rate)


def _parse_start(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise LkError(
            f"--start-time {text!r} is not ISO-8601 (e.g. 2026-01-01T00:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise LkError(f"--start-time {text!r} needs a time zone (e.g. a trailing Z for UTC)")
    return moment


def _check_existing_topic(settings: Settings) -> None:
    """An existing topic must stamp ingestion time, or the experiments measure the wrong clock."""
    config = topic_config(settings.bootstrap, settings.topic)
    if config.get("message.timestamp.type", "LogAppendTime") != "LogAppendTime":
        raise LkError(
            f"topic {settings.topic!r} uses message.timestamp.type="
            f"{config['message.timestamp.type']}; it must be LogAppendTime (recreate the topic)"
        )
