"""`lk query`: user SQL over the serving views on a read-only connection, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from core.errors import LkError, first_line
from core.layout import Layout
from core.settings import Settings
from serving_layer.catalog import connect, refresh_catalog
from serving_layer.sql import files_in, literal

READ_STATEMENTS = (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN)
"""User SQL may read, never write: one statement of these types, configuration then locked."""


def served_folders(layout: Layout) -> list[Path]:
    """The only folders user SQL may read files from: what the serving views read (Lambda's
    master dataset, batch versions and speed outputs; Kappa's versions; the oracle's views).
    Nothing else of the data directory (the broker's files, Airflow's secrets) nor outside it."""
    return [layout.root.resolve() / "lambda", layout.kappa.resolve(), layout.truth.resolve()]


def confine(connection: duckdb.DuckDBPyConnection, folders: list[Path]) -> None:
    """Let the connection read files only under `folders` (DuckDB's `allowed_directories` with
    `enable_external_access = false`: no other file, no COPY TO, no ATTACH, no extension
    download), then lock its configuration so SQL cannot undo it."""
    # Each folder as itself and as the views name it in their file patterns (its own glob
    # characters escaped, serving_layer.sql.files_in): DuckDB checks the pattern's text.
    spellings = dict.fromkeys(
        spelling for folder in folders for spelling in (str(folder), str(files_in(folder, "")))
    )
    allowed = ", ".join(literal(f"{spelling.rstrip('/')}/") for spelling in spellings)
    connection.execute(f"SET allowed_directories = [{allowed}]")
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")


def run_query(settings: Settings, sql: str) -> tuple[list[str], list[tuple]]:
    """Run one SQL statement read-only against the catalog, reading files only under
    `served_folders`; its column names and rows. LkError (one line) for anything but one
    SELECT or EXPLAIN, and for a query that fails or reaches for another file."""
    catalog = Layout(settings.data_dir).catalog
    if not catalog.exists():
        refresh_catalog(settings)  # the first reader builds an (empty) catalog
    try:
        connection = connect(catalog, read_only=True)
    except duckdb.Error as error:
        raise LkError(f"cannot open the catalog {catalog}: {first_line(error)}") from None
    try:
        statements = connection.extract_statements(sql)
        if len(statements) != 1 or statements[0].type not in READ_STATEMENTS:
            raise LkError("lk query runs one SELECT (or EXPLAIN) statement, nothing else")
        confine(connection, served_folders(Layout(settings.data_dir)))
        result = connection.execute(sql)
        if result.description is None:
            return [], []
        return [column[0] for column in result.description], result.fetchall()
    except duckdb.Error as error:
        raise LkError(f"query failed: {first_line(error)}") from None
    finally:
        connection.close()


def format_rows(columns: list[str], rows: list[tuple], fmt: str, max_rows: int = 100) -> str:
    """Rows as an aligned text table (at most `max_rows`), CSV or a JSON array of objects."""
    if fmt == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        return json.dumps(records, default=_json_value)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(value) for value in row] for row in rows])
        return buffer.getvalue().rstrip("\n")
    shown = [[_text(value) for value in row] for row in rows[:max_rows]]
    widths = [max([len(name)] + [len(row[i]) for row in shown]) for i, name in enumerate(columns)]
    lines = [
        "  ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True)),
        "  ".join("-" * width for width in widths),
    ]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in shown]
    hidden = len(rows) - len(shown)
    lines.append(
        f"({len(rows)} rows" + (f", {hidden} not shown: use --format csv)" if hidden else ")")
    )
    return "\n".join(lines)


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", errors="backslashreplace")
    return value


def _json_value(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else _plain(value)


def _text(value: object) -> str:
    return "NULL" if value is None else str(_plain(value))
