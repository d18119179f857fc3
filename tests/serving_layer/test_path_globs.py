"""A data directory's own glob characters never widen what DuckDB, Python's glob or Spark read:
`files_in` and `literal_path` escape them. No Spark: DuckDB and the escaping only."""

from __future__ import annotations

import duckdb

from core.spark import literal_path
from serving_layer.sql import files_in, has_files, literal, parquet_source


def _sql(query: str) -> list[tuple]:
    """Run `query` on a connection of its own (the module's default one is shared by every
    test of the process and may hold another test's unfinished result)."""
    connection = duckdb.connect()
    try:
        result = connection.execute(query)
        return result.fetchall() if result.description else []
    finally:
        connection.close()


def _parquet(path, value: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _sql(f"COPY (SELECT {value} AS a) TO {literal(str(path))} (FORMAT parquet)")


def test_a_folder_named_like_a_glob_reads_itself_not_its_look_alikes(tmp_path):
    _parquet(tmp_path / "x[12]" / "v.parquet", 12)
    _parquet(tmp_path / "x1" / "v.parquet", 1)  # what `x[12]` matches as a glob
    pattern = files_in(tmp_path / "x[12]", "*.parquet")
    assert has_files(pattern)
    assert _sql(f"SELECT a FROM {parquet_source(pattern)}") == [(12,)]
    assert not has_files(files_in(tmp_path / "x[3]", "*.parquet"))


def test_quotes_stars_and_spaces_in_a_folder(tmp_path):
    folder = tmp_path / "runs [2026] *?{a,b} it's 50%"
    _parquet(folder / "views" / "b.parquet", 7)
    assert _sql(f"SELECT a FROM {parquet_source(files_in(folder, 'views/*.parquet'))}") == [(7,)]


def test_spark_paths_escape_every_hadoop_glob_character(tmp_path):
    assert literal_path(tmp_path / "a[1]{x,y}*?") == str(tmp_path) + r"/a\[1\]\{x,y\}\*\?"
    assert literal_path(tmp_path / "plain name") == str(tmp_path / "plain name")
