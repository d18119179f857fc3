"""One batch-layer run in this process: ingest, batch views, publish (what `lk lambda batch` does)."""

from __future__ import annotations

import time
from datetime import datetime

from batch_layer.batch_views import DEFAULT_LATENESS, compute_views, publish
from batch_layer.ingest import ingest
from lk.kafka_client import end_offsets
from lk.settings import Settings
from lk.spark import spark_session
from views.catalog import views_at


def run_batch(
    settings: Settings,
    *,
    logic_version: str = "v1",
    lateness: str = DEFAULT_LATENESS,
    until: datetime | None = None,
) -> dict:
    """Ingest what is new, recompute every view from the master dataset, publish it with H."""
    started = time.monotonic()
    views_at(logic_version)  # an unknown logic version fails before any work
    end_offsets(settings.bootstrap, settings.topic)  # so does a missing broker or topic
    spark = spark_session(settings, "lk-lambda-batch")
    ingested = ingest(spark, settings, until)
    staged = compute_views(spark, settings, logic_version, lateness)
    published = publish(settings, staged)
    return {
        "ingest": ingested,
        "views": {key: value for key, value in staged.items() if key != "staging"},
        "publish": published,
        "seconds": round(time.monotonic() - started, 3),
    }


def format_batch(result: dict) -> str:
    """What a batch run did, in a few lines for the terminal."""
    ingested, views, published = result["ingest"], result["views"], result["publish"]
    read = ", ".join(
        f"p{p}: {ingested['start'][p]}->{ingested['end'][p]}" for p in sorted(ingested["end"])
    )
    lines = [
        f"ingest   run {ingested['run'] or '-'}: {ingested['records']} records "
        f"({ingested['events']} accepted, {ingested['rejected']} rejected) [{read}]",
    ]
    if views.get("skipped"):
        lines.append(f"views    unchanged since version {published['version']} (nothing new)")
    else:
        counts = ", ".join(f"{name} {rows}" for name, rows in views["rows"].items())
        lines.append(f"views    {views['logic_version']}: {counts} rows")
    lines += [
        f"publish  version {published['version']}, horizon H = {published['horizon'] or '-'}"
        f" (newest event {views.get('newest_event_time') or '-'}, lateness {views['lateness']})",
        f"time     {result['seconds']:.1f} s",
    ]
    return "\n".join(lines)
