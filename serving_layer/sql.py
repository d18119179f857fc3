"""Small SQL builders for the catalog: typed selects over Parquet files, quoting, empty views.

The catalog's views name their files relative to the data directory (`file_sql` with `root`):
at query time DuckDB's variable `lk_data_dir` (DATA_DIR_VARIABLE, set on every catalog
connection by serving_layer.catalog.connect) supplies the directory, so a catalog keeps working
after its data directory is moved or renamed."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

import duckdb

Columns = Sequence[tuple[str, str]]

DATA_DIR_VARIABLE = "lk_data_dir"
"""The DuckDB variable (`SET VARIABLE`) that holds the data directory a catalog's views read
from, its glob characters escaped (`data_dir_value`)."""


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def files_in(folder: Path, pattern: str = "*.parquet") -> Path:
    """A glob of the files under `folder` matching `pattern` (e.g. `run=*/rejected/*.parquet`),
    with `folder`'s own glob characters (`[`, `*`, `?`, as in a data directory named
    `runs [2026]`) escaped, so it matches that folder and no other. Python's glob and DuckDB's
    both read the escapes (`[[]`, `[*]`, `[?]`)."""
    return Path(glob.escape(str(folder))) / pattern


def data_dir_value(data_dir: Path) -> str:
    """What DATA_DIR_VARIABLE holds for `data_dir`: its path with its own glob characters
    escaped (as `files_in` escapes a folder), since DuckDB's readers glob the whole path."""
    return glob.escape(str(data_dir))


def file_sql(pattern: Path, root: Path | None = None) -> str:
    """A SQL string expression naming the file or glob `pattern` (made by `files_in`).

    Without `root`: the absolute pattern as a literal. With `root` (the data directory, which
    `pattern` lies under): the data directory's variable joined with the pattern relative to
    it, e.g. `getvariable('lk_data_dir') || '/lambda/speed/views/action_counts/*.parquet'`;
    reading it without the variable set fails with a line that says so."""
    if root is None:
        return literal(str(pattern))
    relative = pattern.relative_to(Path(data_dir_value(root))).as_posix()
    unset = (
        f"the serving views read files under the data directory: SET VARIABLE "
        f"{DATA_DIR_VARIABLE} = '<data directory>' first (serving_layer.catalog.connect does)"
    )
    directory = (
        f"coalesce(getvariable({literal(DATA_DIR_VARIABLE)}), "
        f"CAST(error({literal(unset)}) AS VARCHAR))"
    )
    return f"({directory} || {literal('/' + relative)})"


def has_files(pattern: Path) -> bool:
    """Does a glob (relative to its fixed prefix) match at least one file?"""
    anchor = Path(pattern.anchor)
    return any(anchor.glob(str(pattern.relative_to(anchor))))


def parquet_source(pattern: Path, root: Path | None = None) -> str:
    """read_parquet over a glob, without guessing partition columns from folder names; with
    `root`, the glob is named relative to that data directory (`file_sql`)."""
    return f"read_parquet({file_sql(pattern, root)}, hive_partitioning = false)"


def typed_select(
    connection: duckdb.DuckDBPyConnection, source: str, columns: Columns, extra: str = ""
) -> str:
    """SELECT the columns with their serving types from `source`; naive timestamps are UTC."""
    described = connection.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()
    found = {row[0]: row[1] for row in described}
    expressions = []
    for name, kind in columns:
        column = identifier(name)
        if kind == "TIMESTAMPTZ" and found.get(name) == "TIMESTAMP":
            expressions.append(f"timezone('UTC', {column}) AS {column}")
        else:
            expressions.append(f"CAST({column} AS {kind}) AS {column}")
    return f"SELECT {', '.join(expressions)}{extra} FROM {source}"


def null_columns(columns: Columns) -> str:
    """Typed NULLs named as the columns: the select list of a view with no rows."""
    return ", ".join(f"CAST(NULL AS {kind}) AS {identifier(name)}" for name, kind in columns)


def empty_select(columns: Columns) -> str:
    """A SELECT with the right columns and types and no rows (before anything is published)."""
    return f"SELECT {null_columns(columns)} WHERE false"


def failing_select(columns: Columns, message: str) -> str:
    """A SELECT with the right columns and types that fails with `message` whenever it runs.
    The filter is a constant, folded when a query is planned, so creating a view over it works
    and every query that reads its rows fails (one that reads none, e.g. `LIMIT 0`, does not)."""
    return f"SELECT {null_columns(columns)} WHERE error({literal(message)}) IS NULL"
