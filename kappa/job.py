"""One Kappa version: replay the log from offset 0 with throughput settings into `kappa/v<N>`,
then (unless told to stop there) keep tailing it with live, low-latency settings.

Both phases are the same streaming job over the same checkpoint (the `streaming` engine), so a version
killed at any moment resumes where its checkpoint stands, with exactly-once output files.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from core.atomic import read_json, write_json
from core.heartbeat import Heartbeat
from core.kafka_client import end_offsets
from core.layout import Layout, StreamPaths
from core.locks import held_or_refused
from core.settings import (
    DEFAULT_LOGIC_VERSION,
    DEFAULT_REPLAY_MAX_OFFSETS,
    DEFAULT_TRIGGER,
    DEFAULT_WATERMARK,
    Settings,
)
from streaming.options import StreamOptions
from streaming.runner import check_same_job, follow, start_queries, stop_on_signals

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass(frozen=True)
class KappaOptions:
    """What a version computes and how it reads: replay settings, then live settings."""

    logic_version: str = DEFAULT_LOGIC_VERSION
    watermark: str = DEFAULT_WATERMARK
    until_caught_up: bool = False
    starting_offsets: str = "earliest"
    replay_max_offsets: int = DEFAULT_REPLAY_MAX_OFFSETS
    replay_min_partitions: int | None = None
    live_trigger: str = DEFAULT_TRIGGER
    dedup_horizon: str | None = None
    """How long an event_id is remembered (None: the watermark); see StreamOptions."""


def run_kappa(
    settings: Settings,
    number: int,
    options: KappaOptions,
    on_caught_up: Callable[[dict], None] | None = None,
    on_first_rows: Callable[[], None] | None = None,
) -> dict:
    """Run version N: replay until caught up, then tail live (or stop); its final status.
    `on_first_rows` is called once, while it tails, when its first view rows are written (a
    version that went into service with none serves them only once the catalog is rebuilt).
    SIGTERM or SIGINT at any point stops it cleanly (between micro-batches where it can)."""
    from core.spark import spark_session
    from core.spark_ui import announce_ui

    paths = Layout(settings.data_dir).kappa_version(number)
    end_offsets(settings.bootstrap, settings.topic)  # the broker and topic exist, or one line
    paths.root.mkdir(parents=True, exist_ok=True)  # only then: no empty version is left behind
    with (
        held_or_refused(paths.root / ".running", f"Kappa v{number} is already running"),
        Heartbeat(paths.heartbeat) as heartbeat,
    ):
        # A recreated topic is refused before Spark starts (start_queries checks it again).
        check_same_job(
            settings, paths, _replay_options(number, options), start_over=start_over(settings)
        )
        stop = threading.Event()
        restore = stop_on_signals(stop)  # for the whole run, between the phases too
        try:
            spark = spark_session(settings, f"lk-kappa-v{number}", ui=True)
            announce_ui(spark, heartbeat, f"Kappa v{number}")
            return _replay_then_tail(
                spark, settings, number, options, (on_caught_up, on_first_rows), stop
            )
        finally:
            restore()


def start_over(settings: Settings) -> str:
    """What to do when a version's checkpoint read a topic that was deleted and created again:
    a new version has a new checkpoint, so it replays the new log from offset 0."""
    from kappa.versions import versions

    following = max(versions(Layout(settings.data_dir)), default=0) + 1
    return f"start a new version from offset 0: lk kappa run --version {following}"


def _replay_options(number: int, options: KappaOptions) -> StreamOptions:
    """The streaming options of version N's replay (throughput settings, until caught up)."""
    return StreamOptions(
        name=f"kappa-v{number}",
        logic_version=options.logic_version,
        watermark=options.watermark,
        until_caught_up=True,
        starting_offsets=options.starting_offsets,
        max_offsets_per_trigger=options.replay_max_offsets,
        min_partitions=options.replay_min_partitions,
        dedup_horizon=options.dedup_horizon,
    )


def _replay_then_tail(
    spark: SparkSession,
    settings: Settings,
    number: int,
    options: KappaOptions,
    callbacks: tuple[Callable[[dict], None] | None, Callable[[], None] | None],
    stop: threading.Event,
) -> dict:
    on_caught_up, on_first_rows = callbacks
    paths = Layout(settings.data_dir).kappa_version(number)
    replay = _replay_options(number, options)
    hint = start_over(settings)
    started = time.monotonic()
    before = read_json(paths.progress / "latest.json") or {}
    queries = start_queries(spark, settings, paths, replay, start_over=hint)
    status = follow(queries, paths, replay, stop=stop)
    if stop.is_set():
        return status
    _record_catch_up(paths, before, status, time.monotonic() - started)
    if on_caught_up:
        on_caught_up(status)
    if options.until_caught_up or stop.is_set():
        return status
    live = replace(
        replay,
        until_caught_up=False,
        max_offsets_per_trigger=None,
        min_partitions=None,
        trigger=options.live_trigger,
    )
    queries = start_queries(spark, settings, paths, live, start_over=hint)
    return follow(queries, paths, live, stop=stop, on_first_rows=on_first_rows)


def _record_catch_up(paths: StreamPaths, before: dict, status: dict, seconds: float) -> None:
    """Write into job.json when the version caught up and how fast it replayed."""
    reached = sum(status.get("offsets", {}).values())
    started_from = sum((before.get("offsets") or {}).values())
    records = reached - started_from
    job = read_json(paths.state_file) or {}
    job.setdefault("caught_up_at", datetime.now(UTC).isoformat())
    job["last_replay"] = {
        "records": records,
        "seconds": round(seconds, 3),
        "records_per_second": round(records / seconds) if seconds > 0 else None,
        "finished_at": datetime.now(UTC).isoformat(),
    }
    write_json(paths.state_file, job)
