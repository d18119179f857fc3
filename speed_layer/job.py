"""The speed layer: the views over the live log with Structured Streaming, for the windows the
last batch run has not made complete. The serving layer keeps its rows after the horizon H."""

from __future__ import annotations

from collections.abc import Callable

from lk.atomic import held_or_refused
from lk.kafka_client import end_offsets
from lk.paths import Layout
from lk.settings import Settings
from lk.spark import spark_session
from lk.streaming import StreamOptions, follow, start_queries

DEFAULT_WATERMARK = "10 minutes"
DEFAULT_TRIGGER = "250 milliseconds"


def speed_options(
    *,
    logic_version: str = "v1",
    watermark: str = DEFAULT_WATERMARK,
    trigger: str = DEFAULT_TRIGGER,
    until_caught_up: bool = False,
    max_offsets_per_trigger: int | None = None,
) -> StreamOptions:
    """The speed layer's streaming options: low-latency micro-batches, the whole log at first."""
    return StreamOptions(
        name="speed",
        logic_version=logic_version,
        watermark=watermark,
        trigger=trigger,
        until_caught_up=until_caught_up,
        max_offsets_per_trigger=max_offsets_per_trigger,
    )


def run_speed(
    settings: Settings,
    options: StreamOptions,
    on_started: Callable[[], None] | None = None,
) -> dict:
    """Run the speed layer until caught up (or until stopped); return its final status."""
    paths = Layout(settings.data_dir).speed
    end_offsets(settings.bootstrap, settings.topic)  # the broker and topic exist, or one line
    with held_or_refused(paths.root / ".running", "the speed layer is already running here"):
        spark = spark_session(settings, "lk-lambda-speed")
        queries = start_queries(spark, settings, paths, options)
        if on_started:
            on_started()
        return follow(queries, paths, options)
