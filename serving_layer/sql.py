"""Small SQL builders for the catalog: typed selects over Parquet files, quoting, empty views."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

import duckdb

Columns = Sequence[tuple[str, str]]


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


def has_files(pattern: Path) -> bool:
    """Does a glob (relative to its fixed prefix) match at least one file?"""
    anchor = Path(pattern.anchor)
    return any(anchor.glob(str(pattern.relative_to(anchor))))


def parquet_source(pattern: Path) -> str:
    """read_parquet over a glob, without guessing partition columns from folder names."""
    return f"read_parquet({literal(str(pattern))}, hive_partitioning = false)"


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
