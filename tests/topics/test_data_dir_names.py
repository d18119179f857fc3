"""A data directory whose path holds spaces, glob characters (`[` `]` `*` `{` `}`) and SQL
quotes works in every path: the views come back full, not empty (DuckDB's and Spark's
readers expand globs in the paths they are given; `serving_layer.sql.files_in` and
`core.spark.literal_path` escape them)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from architectures.kappa_architecture import run_version
from architectures.lambda_architecture import run_batch, run_speed
from kappa.job import KappaOptions
from oracle.truth import compute_truth
from serving_layer.query import run_query
from speed_layer.job import speed_options
from tests.topics.logs import event, single_partition_topic
from tests.topics.serving import action_counts

pytestmark = pytest.mark.slow

STRANGE = "runs [2026] *{a b} it's 50%"
"""A folder name with every character that globs or quotes could misread."""
RIGHT = {("10:31", "view"): (2, Decimal("0.00")), ("10:31", "purchase"): (1, Decimal("4.50"))}


def test_every_path_works_in_a_data_directory_with_glob_and_quote_characters(
    kafka, spark, tmp_path
):
    from kafka import KafkaProducer

    data_dir = tmp_path / STRANGE
    (tmp_path / "runs 2").mkdir()  # what `[2026]` would match as a glob: must stay unread
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=data_dir)
        producer = KafkaProducer(bootstrap_servers=kafka.bootstrap)
        for value in (
            event("dd-1", "view", "10:31:00"),
            event("dd-2", "view", "10:31:10"),
            event("dd-3", "purchase", "10:31:20", "4.50"),
            b"not json",
        ):
            producer.send(topic, value=value)
        producer.flush()
        producer.close()

        compute_truth(settings)
        run_batch(settings)
        run_speed(settings, speed_options(until_caught_up=True))
        run_version(settings, 1, KappaOptions(until_caught_up=True))

        for view in ("truth", "batch", "speed", "lambda", "kappa"):
            assert action_counts(settings, f"{view}_action_counts") == RIGHT, view
        _, rows = run_query(settings, "SELECT found_by, count(*) FROM rejected_events GROUP BY 1")
        assert dict(rows) == {"lambda-ingest": 1, "lambda-speed": 1, "kappa-v1": 1}
        _, rows = run_query(settings, "SELECT component, duplicates_counted FROM serving_status")
        assert rows and all(count in (0, None) for _, count in rows)
