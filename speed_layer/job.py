"""The speed layer: the views over the live log with Structured Streaming, for the windows the
last batch run has not made complete. The serving layer keeps its rows after the horizon H."""

from __future__ import annotations

from collections.abc import Callable

from core.durations import checked_duration
from core.heartbeat import Heartbeat
from core.kafka_client import end_offsets
from core.layout import Layout
from core.locks import held_or_refused
from core.settings import (
    DEFAULT_LOGIC_VERSION,
    DEFAULT_TRIGGER,
    DEFAULT_WATERMARK,
    Settings,
)
from core.spark import spark_session
from core.spark_ui import announce_ui
from streaming.options import StreamOptions
from streaming.runner import follow, start_queries


def speed_options(
    *,
    logic_version: str = DEFAULT_LOGIC_VERSION,
    watermark: str = DEFAULT_WATERMARK,
    trigger: str = DEFAULT_TRIGGER,
    until_caught_up: bool = False,
    max_offsets_per_trigger: int | None = None,
    dedup_horizon: str | None = None,
) -> StreamOptions:
    """The speed layer's streaming options: low-latency micro-batches, the whole log at first;
    NotRetryable for an unknown logic version or a malformed duration."""
    from views.catalog import views_at

    views_at(logic_version)
    return StreamOptions(
        name="speed",
        logic_version=logic_version,
        watermark=checked_duration(watermark),
        trigger=checked_duration(trigger),
        until_caught_up=until_caught_up,
        max_offsets_per_trigger=max_offsets_per_trigger,
        dedup_horizon=dedup_horizon and checked_duration(dedup_horizon),
    )


def run_speed(
    settings: Settings,
    options: StreamOptions,
    on_started: Callable[[], None] | None = None,
    on_first_rows: Callable[[], None] | None = None,
) -> dict:
    """Run the speed layer until caught up (or until stopped); return its final status.
    `on_started` is called once its query runs, `on_first_rows` once its first view rows are
    written (see `streaming.runner.follow`)."""
    paths = Layout(settings.data_dir).speed
    end_offsets(settings.bootstrap, settings.topic)  # the broker and topic exist, or one line
    with (
        held_or_refused(paths.root / ".running", "the speed layer is already running here"),
        Heartbeat(paths.heartbeat) as heartbeat,
    ):
        spark = spark_session(settings, "lk-lambda-speed", ui=True)
        announce_ui(spark, heartbeat, "speed layer")
        queries = start_queries(spark, settings, paths, options)
        if on_started:
            on_started()
        return follow(queries, paths, options, on_first_rows=on_first_rows)
