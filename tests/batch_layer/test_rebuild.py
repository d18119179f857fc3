"""A views step over what the newest published version already covers is skipped, unless asked
to rebuild: then it recomputes the same rows (an experiment's timed full recompute)."""

from dataclasses import replace

import pytest

from batch_layer.batch_views import compute_views, publish
from tests.batch_layer.test_compaction import ingest_run
from views.catalog import VIEW_NAMES

pytestmark = pytest.mark.slow


def _rows(spark, staged: dict) -> dict[str, list[tuple]]:
    return {
        name: sorted(
            tuple(row)
            for row in spark.read.parquet(f"{staged['staging']}/{name}")
            .drop("processed_at")
            .collect()
        )
        for name in VIEW_NAMES
    }


def test_a_covered_version_is_skipped_unless_rebuilt(kafka, topic, spark, tmp_path):
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    ingest_run(spark, settings, 5, "2026-01-01T00:10:00+00:00", events=300)
    first = compute_views(spark, settings)
    rows = _rows(spark, first)
    publish(settings, first)

    assert compute_views(spark, settings)["skipped"] is True
    rebuilt = compute_views(spark, settings, rebuild=True)
    assert not rebuilt.get("skipped") and rebuilt["staging"] != first["staging"]
    assert _rows(spark, rebuilt) == rows
