"""Reads what both architectures serve, once per sample, and keeps only what changed.

One sample opens the serving catalog read-only, reads every `lambda_<view>` and `kappa_<view>`
row (the contract columns) of the views it samples (all four unless told), and compares each
row with what the previous sample of that architecture read: a row that appeared or changed
is a change with its value, a row that disappeared a change with value None. Until the
catalog exists, or when it cannot be opened, a sample reads nothing (`ok` false): the next one
is compared with the last one read. An architecture whose views refuse to serve (`lambda_*`
while batch and speed run different logic versions) serves nothing in that sample: every row
it served before disappears, and the refusal and its end are marked on the run's timeline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from core.atomic import read_json
from core.errors import LkError
from core.kafka_client import end_offsets
from core.layout import Layout, StreamPaths
from core.settings import Settings
from experiments.experiment.timeline import (
    ARCHITECTURES,
    CHANGES_SCHEMA,
    SAMPLES_SCHEMA,
    row_text,
)
from kappa.versions import serving, versions
from serving_layer.catalog import connect
from serving_layer.columns import VIEW_COLUMNS

Rows = dict[str, str]
"""One view as served at one sample: key -> value (row_text)."""


class ServedRowsSampler:
    """Samples the served views of both architectures and the lag of their streaming jobs."""

    def __init__(
        self,
        settings: Settings,
        mark: Callable[[str], None] = lambda what: None,
        views: tuple[str, ...] | None = None,
    ) -> None:
        """`views`: the views read each sample (None: every view of VIEW_COLUMNS)."""
        self.settings = settings
        self.views = tuple(VIEW_COLUMNS) if views is None else views
        self.mark = mark
        self.layout = Layout(settings.data_dir)
        self._last: dict[tuple[str, str], Rows] = {}
        self._changes: dict[str, list] = {name: [] for name in CHANGES_SCHEMA.names}
        self._samples: dict[str, list] = {name: [] for name in SAMPLES_SCHEMA.names}
        self.last_error: dict[str, str] = {}
        self.last_lag: dict[str, int | None] = {}
        self.sent = 0

    def sample(self) -> float:
        """Take one sample of both architectures now; its time (s since the epoch)."""
        t = time.time()
        served = self._read_views()
        lags = self._lags()
        for architecture in ARCHITECTURES:
            views = served.get(architecture)
            if views is not None:
                for view, rows in views.items():
                    self._record_changes(t, architecture, view, rows)
            self._samples["t"].append(t)
            self._samples["architecture"].append(architecture)
            self._samples["ok"].append(views is not None)
            self._samples["lag"].append(lags.get(architecture))
        self.last_lag = lags
        return t

    def changes(self) -> pa.Table:
        """Every change recorded so far (CHANGES_SCHEMA)."""
        return pa.Table.from_pydict(self._changes, schema=CHANGES_SCHEMA)

    def samples(self) -> pa.Table:
        """Every sample taken so far (SAMPLES_SCHEMA)."""
        return pa.Table.from_pydict(self._samples, schema=SAMPLES_SCHEMA)

    def _record_changes(self, t: float, architecture: str, view: str, rows: Rows) -> None:
        before = self._last.get((architecture, view), {})
        changed = [(key, value) for key, value in rows.items() if before.get(key) != value]
        changed += [(key, None) for key in before.keys() - rows.keys()]
        for key, value in changed:
            self._changes["t"].append(t)
            self._changes["architecture"].append(architecture)
            self._changes["view"].append(view)
            self._changes["key"].append(key)
            self._changes["value"].append(value)
        self._last[(architecture, view)] = rows

    def _read_views(self) -> dict[str, dict[str, Rows]]:
        """Per architecture that could be read: view -> rows."""
        catalog = self.layout.catalog
        if not catalog.exists():
            return {}
        try:
            connection = connect(catalog, read_only=True)
        except (duckdb.Error, LkError) as error:
            self.last_error["catalog"] = str(error).splitlines()[0]
            return {}
        served: dict[str, dict[str, Rows]] = {}
        try:
            for architecture in ARCHITECTURES:
                try:
                    served[architecture] = {
                        view: _rows(connection, f"{architecture}_{view}", view)
                        for view in self.views
                    }
                except duckdb.Error as error:  # it refuses to serve: it serves nothing
                    line = str(error).splitlines()[0]
                    if architecture not in self.last_error:  # the whole line: in the log
                        self.mark(f"{architecture}_* refuse to serve")
                    self.last_error[architecture] = line
                    served[architecture] = {view: {} for view in self.views}
                    continue
                if self.last_error.pop(architecture, None) is not None:
                    self.mark(f"{architecture}_* serve again")
        finally:
            connection.close()
        return served

    def _lags(self) -> dict[str, int | None]:
        """Records each architecture's streaming job is behind the log (None: unknown)."""
        try:
            end = end_offsets(self.settings.bootstrap, self.settings.topic)
        except LkError:
            return {}
        self.sent = sum(end.values())
        kappa = serving(self.layout).get("current") or max(versions(self.layout), default=None)
        jobs: dict[str, StreamPaths | None] = {
            "lambda": self.layout.speed,
            "kappa": self.layout.kappa_version(kappa) if kappa else None,
        }
        return {architecture: _lag(paths, end) for architecture, paths in jobs.items()}


def _lag(paths: StreamPaths | None, end: dict[int, int]) -> int | None:
    if paths is None:
        return None
    latest = read_json(paths.progress / "latest.json") or {}
    offsets = latest.get("offsets") or {}
    if not offsets:
        return sum(end.values())
    return sum(max(stop - int(offsets.get(str(p), 0)), 0) for p, stop in end.items())


def _rows(connection: duckdb.DuckDBPyConnection, name: str, view: str) -> Rows:
    columns = tuple(column for column, _ in VIEW_COLUMNS[view])
    cursor = connection.execute(f"SELECT {', '.join(columns)} FROM {name}")  # noqa: S608
    return dict(
        row_text(view, dict(zip(columns, row, strict=True)), columns) for row in cursor.fetchall()
    )


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write one of the run's tables (zstd Parquet)."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
