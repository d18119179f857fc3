"""`lk bench batch`: the batch layer and DuckDB running the oracle's SQL give the same view rows
over the same master dataset, and a disagreement in row counts is refused."""

from dataclasses import replace

import duckdb
import pytest

from batch_layer.batch_views import compute_views
from benchmarks.batch.bench import check_same_rows, run_bench_batch
from benchmarks.batch.plot import plot_batch
from core.errors import LkError
from core.settings import Settings
from views.catalog import VIEW_NAMES


def test_different_row_counts_are_refused_in_one_line():
    with pytest.raises(LkError) as refused:
        check_same_rows({"user_sessions": 10, "action_counts": 3}, {"user_sessions": 11,
                        "action_counts": 3}, 500)  # fmt: skip
    assert "\n" not in str(refused.value) and "user_sessions 10 vs 11" in str(refused.value)


@pytest.mark.slow
def test_both_engines_give_identical_view_rows(spark, tmp_path):
    settings = Settings.from_env(data_dir=tmp_path)
    figures = run_bench_batch(settings, sizes=[20_000], repeat=1)
    assert figures["events_20000_records"] > 20_000  # the re-sent duplicates are in
    assert figures["events_20000_ratio_spark_to_duckdb"] > 0
    assert plot_batch(figures).data[0].y[0] == figures["events_20000_spark_seconds"]
    root = tmp_path / "bench" / "batch" / "events=20000-seed=7"
    assert not any((root / "lambda" / "batch" / "_staging").iterdir())  # nothing left behind

    staged = compute_views(spark, replace(settings, data_dir=root))
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    for name in VIEW_NAMES:
        spark_rows = _rows(connection, f"{staged['staging']}/{name}/*.parquet", spark=True)
        duckdb_rows = _rows(connection, f"{root}/duckdb-views/{name}.parquet")
        assert spark_rows == duckdb_rows, name
        assert len(spark_rows) == figures[f"events_20000_rows_{name}"] > 0


def _rows(connection: duckdb.DuckDBPyConnection, files: str, *, spark: bool = False) -> list:
    """A view's rows from Parquet, timestamps as naive UTC, without Spark's processed_at, sorted."""
    source = f"read_parquet('{files}')"
    relation = connection.sql(f"SELECT * EXCLUDE (processed_at) FROM {source}" if spark else
                              f"SELECT * FROM {source}")  # fmt: skip
    columns = [
        f'CAST("{name}" AS TIMESTAMP) AS "{name}"' if "TIME" in str(kind) else f'"{name}"'
        for name, kind in zip(relation.columns, relation.types, strict=True)
    ]
    return sorted(relation.select(", ".join(columns)).fetchall())
