"""The serving catalog keeps working when its data directory is moved, renamed or copied: its
views name their files relative to the data directory, and every connection to the catalog
says where that directory is now. Hand-made files, a real catalog, no Spark."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from core.layout import Layout
from core.settings import Settings
from experiments.compare import compare_with_truth
from serving_layer.catalog import refresh_catalog
from serving_layer.query import run_query
from serving_layer.sql import literal
from tests.serving_layer.files import EVERY_LAYER, counts, every_layer, oracle

MOVED = "moved [2026] *{a b} it's 50%"
"""The new name: glob characters, braces, a quote, a space and a percent sign."""


def served(settings: Settings) -> dict[str, object]:
    """What every kind of view serves, read through `lk query`'s read-only path."""
    found: dict[str, object] = {
        prefix: run_query(
            settings,
            f"SELECT window_end::VARCHAR, events FROM {prefix}_action_counts ORDER BY 1",
        )[1]
        for prefix in EVERY_LAYER
    }
    found["layers"] = run_query(settings, "SELECT layer FROM lambda_action_counts ORDER BY 1")[1]
    found["rejected"] = run_query(
        settings, "SELECT found_by, reason FROM rejected_events ORDER BY 1"
    )[1]
    found["status"] = run_query(
        settings,
        "SELECT component, version, watermark::VARCHAR, duplicates_counted FROM serving_status "
        "WHERE component <> 'catalog' ORDER BY 1",
    )[1]
    return found


@pytest.fixture
def moved(tmp_path: Path) -> tuple[Path, Path]:
    """(where the data directory was when its catalog was built, where it is now)."""
    before = tmp_path / "built [1] *{x}"  # no quote: tests.serving_layer.files writes unquoted
    every_layer(Layout(before))
    refresh_catalog(Settings.from_env(data_dir=before))
    after = tmp_path / MOVED
    before.rename(after)
    return before, after


def test_every_view_reads_its_files_from_where_the_data_directory_moved(moved):
    before, after = moved
    assert not before.exists()
    found = served(Settings.from_env(data_dir=after))
    assert {prefix: found[prefix] for prefix in EVERY_LAYER} == EVERY_LAYER
    assert found["layers"] == [("batch",), ("speed",)]
    assert found["rejected"] == [("lambda-ingest", "ingest"), ("lambda-speed", "speed")]
    assert found["status"] == [
        ("batch", 1, None, 0),
        ("kappa", 1, "2026-01-01 00:10:30+00", None),
        ("speed", None, "2026-01-01 00:10:30+00", 1),  # e1 counted twice: read from counted/
    ]
    definitions = run_query(
        Settings.from_env(data_dir=after), "SELECT sql FROM duckdb_views() WHERE NOT internal"
    )[1]
    assert definitions and not any(str(before.parent) in sql for (sql,) in definitions)


def test_the_experiment_comparison_reads_a_moved_catalog(moved):
    _, after = moved
    report = compare_with_truth(Settings.from_env(data_dir=after), "kappa")
    complete = {"matching": 0, "missing": 1, "extra": 1, "events": 4, "truth_events": 5}
    assert report["action_counts"]["complete"] == complete  # Kappa's job was one event short
    assert report["action_counts"]["open"]["matching"] == 1


def test_a_copy_reads_its_own_files_not_the_original_ones(moved):
    _, after = moved
    copy = after.parent / "copy"
    shutil.copytree(after, copy)
    changed = counts("2026-01-01 00:09", "2026-01-01 00:10", 99)
    oracle(Layout(copy), "v1", "2026-01-01T02:00:00+00:00", {"action_counts": changed})

    sql = "SELECT events FROM truth_action_counts ORDER BY window_end"
    assert run_query(Settings.from_env(data_dir=copy), sql)[1] == [(99,)]
    assert run_query(Settings.from_env(data_dir=after), sql)[1] == [(5,), (2,)]


def test_a_connection_that_does_not_say_where_the_data_is_fails_in_one_line(moved):
    _, after = moved
    connection = duckdb.connect()  # the catalog opened by hand, without lk_data_dir
    try:
        connection.execute(f"ATTACH {literal(str(Layout(after).catalog))} AS c (READ_ONLY)")
        with pytest.raises(duckdb.Error, match="SET VARIABLE lk_data_dir"):
            connection.execute("SELECT * FROM c.batch_action_counts").fetchall()
    finally:
        connection.close()
