"""Where every layer keeps its state under LK_DATA_DIR: the one map the layers share.

Layers never import each other; they meet only in these folders. Every folder a reader sees
is filled by atomic renames, so a reader finds a whole run, version or file, or none of it.

    kafka/                                  the local broker (infra/)
    lambda/ingest/run=<n>/                  one committed ingest run:
        events/event_date=/event_hour=/       accepted events (the master dataset, Parquet)
        rejected/                             rejected records with their reason
        offsets.json                          the offsets it read, committed with the data
    lambda/ingest/compacted=<m>/events/     the events of every run <= m, one file an hour
                                              (batch_layer/compaction.py; a run's events/
                                              goes once a compaction holds it)
    lambda/batch/version=<n>/               one published batch run: <view>/ and manifest.json
    lambda/speed/                           the speed layer: checkpoint/, views/, counted/,
                                              rejected/, progress/ and job.json
    kappa/v<n>/                             one Kappa version: the same folders
    truth/<logic version>/                  the oracle's views at that logic (experiments/)
    serving/catalog.duckdb                  DuckDB views over all of the above
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STAGING = "_staging"
"""Work in progress lives here until renamed into place; readers skip names starting with _."""


def under(*parts: str, doc: str = "") -> property:
    """A property: the path `parts` below the object's `root`."""
    return property(lambda self: self.root.joinpath(*parts), doc=doc or "/".join(parts))


class FolderMap:
    """A folder (`root`) whose entries are named in the class's `ENTRIES` table, one a line:
    `name  relative/path  what it is`. Each name becomes a property: `paths.name` is the path."""

    ENTRIES = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for line in cls.ENTRIES.strip().splitlines():
            name, path, meaning = line.split(maxsplit=2)
            setattr(cls, name, under(*path.split("/"), doc=meaning))


@dataclass(frozen=True)
class StreamPaths(FolderMap):
    """The folders of one streaming job (the speed layer or one Kappa version)."""

    root: Path
    ENTRIES = """
        checkpoint   checkpoint              Spark's checkpoint of the job's query: offsets, state
        views        views                   one folder per view of partial rows, a file each micro-batch
        counted      counted                 the events the views counted: event_id, partition, offset
        rejected     rejected                rejected records with their reason
        progress     progress                Spark's figures per micro-batch, and latest.json
        figures      progress/micro-batches  what each micro-batch held: records, rejected, late
        order        order                   what judging in append order carries to the next micro-batch
        state_file   job.json                what the job is: logic version, parameters, start (JSON)
        heartbeat    heartbeat.json          the running job's host, PID and last beat (core.heartbeat)
    """

    def view_files(self, view: str) -> Path:
        """A view's partial rows, one immutable Parquet file per micro-batch: `batch-<id>.parquet`."""
        return self.views / view


@dataclass(frozen=True)
class Layout(FolderMap):
    """The folders under one data directory (`root`)."""

    root: Path
    ENTRIES = """
        ingest         lambda/ingest           committed ingest runs: the master dataset
        batch          lambda/batch            published batch versions
        kappa          kappa                   one folder per Kappa version, and serving.json
        kappa_serving  kappa/serving.json      which Kappa version serves, and which did before
        truth          truth                   the oracle's views, one folder per logic version
        serving        serving                 the serving catalog and what it pins
        catalog        serving/catalog.duckdb  the DuckDB catalog of serving views
        catalog_pins   serving/pins.json       the batch and Kappa versions the catalog reads
        spark_events   spark/events            Spark applications' event logs (History Server)
    """

    @property
    def data_dir(self) -> Path:
        """The data directory itself (LK_DATA_DIR)."""
        return self.root

    @property
    def speed(self) -> StreamPaths:
        """The speed layer's streaming job."""
        return StreamPaths(self.root / "lambda" / "speed")

    def ingest_run(self, run: int) -> Path:
        """One committed ingest run: events/, rejected/ and offsets.json."""
        return self.ingest / f"run={run:06d}"

    def batch_version(self, version: int) -> Path:
        """One published batch version: a folder per view and manifest.json."""
        return self.batch / f"version={version:06d}"

    def kappa_version(self, version: int) -> StreamPaths:
        """Kappa version N's streaming job."""
        return StreamPaths(self.kappa / f"v{version}")

    def truth_version(self, logic_version: str) -> Path:
        """The oracle's views at one logic version: `<view>.parquet`, `rejected.parquet` and
        `summary.json` (with `logic_version` and `computed_at`)."""
        return self.truth / logic_version


def numbered(folder: Path, prefix: str) -> list[tuple[int, Path]]:
    """The `<prefix><n>` entries of a folder, by number (staging and other names are skipped)."""
    if not folder.exists():
        return []
    found = []
    for entry in folder.iterdir():
        suffix = entry.name.removeprefix(prefix)
        if entry.name.startswith(prefix) and suffix.isdigit():
            found.append((int(suffix), entry))
    return sorted(found)
