"""The Lambda architecture, run end to end: the batch layer (ingest -> batch views -> publish
with the horizon H), the speed layer over the live log, and the serving refresh that merges them.

The command line (`lk lambda ...`) and the `lambda_batch` DAG both call these functions. A batch
run in one process (`run_batch`) and the DAG's steps (`ingest_step` ... `refresh_step`, each
Spark step a `spark-submit` to the settings' Spark master) do the same work in the same order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from batch_layer.batch_views import compute_views, publish
from batch_layer.ingest import ingest, start_over
from core.durations import checked_duration
from core.kafka_client import end_offsets
from core.layout import Layout
from core.settings import DEFAULT_LATENESS, DEFAULT_LOGIC_VERSION, REPO_ROOT, Settings
from core.spark import spark_session
from core.spark_submit import spark_submit
from serving_layer.catalog import refresh_catalog
from streaming.options import StreamOptions
from streaming.runner import check_same_job

BATCH_JOB = REPO_ROOT / "batch_layer" / "job.py"
"""The batch layer's spark-submit entry point (its `ingest` and `views` steps)."""


def _check_logic(logic_version: str) -> None:
    from views.catalog import views_at

    views_at(logic_version)  # NotRetryable for an unknown version, before any work


def run_batch(
    settings: Settings,
    *,
    logic_version: str = DEFAULT_LOGIC_VERSION,
    lateness: str = DEFAULT_LATENESS,
    until: datetime | None = None,
) -> dict:
    """One batch-layer run in this process: ingest what is new (up to the records ingested
    before `until`, if given), recompute every view from the master dataset, publish it with H,
    refresh the serving catalog. Returns {ingest, views, publish, catalog, seconds}."""
    _check_logic(logic_version)
    checked_duration(lateness)
    started = time.monotonic()
    end_offsets(settings.bootstrap, settings.topic)  # a missing broker or topic: one line, first
    spark = spark_session(settings, "lk-lambda-batch")
    ingested = ingest(spark, settings, until)
    staged = compute_views(spark, settings, logic_version, lateness)
    published = publish(settings, staged)
    return {
        "ingest": ingested,
        "views": {key: value for key, value in staged.items() if key != "staging"},
        "publish": published,
        "catalog": refresh_catalog(settings),
        "seconds": round(time.monotonic() - started, 3),
    }


def ingest_step(settings: Settings, until: datetime | None = None) -> dict:
    """The DAG's first step: append the records ingested before `until` (all, if None) to the
    master dataset, exactly once (spark-submit); what the ingest run did."""
    args = ["ingest"] + (["--until", until.astimezone(UTC).isoformat()] if until else [])
    return spark_submit(settings, BATCH_JOB, "lk-lambda-batch", args)


def views_step(
    settings: Settings,
    logic_version: str = DEFAULT_LOGIC_VERSION,
    lateness: str = DEFAULT_LATENESS,
    *,
    rebuild: bool = False,
) -> dict:
    """The DAG's second step: recompute every view from the master dataset into a staged
    version (spark-submit); its manifest, with the horizon H it will publish. `rebuild`: even
    when the newest published version covers the same runs and logic (else it is skipped)."""
    _check_logic(logic_version)
    checked_duration(lateness)
    args = ["views", "--logic-version", logic_version, "--lateness", lateness]
    args += ["--rebuild"] if rebuild else []
    return spark_submit(settings, BATCH_JOB, "lk-lambda-batch", args)


def publish_step(settings: Settings, staged: dict) -> dict:
    """The DAG's third step: rename the staged version into place (no Spark needed); the
    published version number and its horizon."""
    return publish(settings, staged)


def refresh_step(settings: Settings) -> dict:
    """The DAG's last step: point the serving catalog at what is published now."""
    return refresh_catalog(settings)


def run_speed(
    settings: Settings,
    options: StreamOptions,
    on_started: Callable[[], None] | None = None,
) -> dict:
    """Run the speed layer until caught up (`options.until_caught_up`) or stopped (SIGTERM,
    Ctrl-C); the catalog is refreshed once its queries run, once its first rows are written
    (a catalog built before serves none of them) and again at the end. Returns its
    final status (offsets, lag, watermark, late events dropped per view) and `catalog`, what
    the last refresh served (with `lambda_refused` when batch and speed logic differ).
    TopicRecreated (one line, before Spark starts) if its checkpoints read a deleted topic."""
    from speed_layer.job import run_speed as run_speed_layer

    layout = Layout(settings.data_dir)
    check_same_job(settings, layout.speed, options, start_over=start_over(layout))

    def started() -> None:
        refresh_catalog(settings)  # the speed views now have files to point at
        if on_started:
            on_started()

    status = run_speed_layer(
        settings, options, on_started=started, on_first_rows=lambda: refresh_catalog(settings)
    )
    return {**status, "catalog": refresh_catalog(settings)}
