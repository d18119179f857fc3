"""Where every layer keeps its state under LK_DATA_DIR: the one map the layers share.

Layers never import each other; they meet only in these folders. Every folder a reader sees
is filled by atomic renames, so a reader finds a whole run, version or file, or none of it.

    kafka/                                  the local broker (infra/)
    lambda/ingest/run=<n>/                  one committed ingest run:
        events/event_date=/event_hour=/       accepted events (the master dataset, Parquet)
        rejected/                             rejected records with their reason
        offsets.json                          the offsets it read, committed with the data
    lambda/batch/version=<n>/               one published batch run: <view>/ and manifest.json
    lambda/speed/                           the speed layer: checkpoints/, views/, progress/
    kappa/v<n>/                             one Kappa version: the same three folders
    truth/<logic version>/                  the oracle's views at that logic (experiments/)
    serving/catalog.duckdb                  DuckDB views over all of the above
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STAGING = "_staging"
"""Work in progress lives here until renamed into place; readers skip names starting with _."""


@dataclass(frozen=True)
class StreamPaths:
    """The folders of one streaming job (the speed layer or one Kappa version)."""

    root: Path

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def views(self) -> Path:
        return self.root / "views"

    @property
    def progress(self) -> Path:
        return self.root / "progress"

    @property
    def rejected(self) -> Path:
        return self.root / "rejected"

    def view_files(self, view: str) -> Path:
        """One immutable Parquet file per micro-batch: `batch-<id>.parquet`."""
        return self.views / view

    @property
    def state_file(self) -> Path:
        """What the job is: its logic version, parameters and start (JSON)."""
        return self.root / "job.json"


@dataclass(frozen=True)
class Layout:
    """The folders under one data directory."""

    data_dir: Path

    @property
    def ingest(self) -> Path:
        return self.data_dir / "lambda" / "ingest"

    def ingest_run(self, run: int) -> Path:
        return self.ingest / f"run={run:06d}"

    @property
    def batch(self) -> Path:
        return self.data_dir / "lambda" / "batch"

    def batch_version(self, version: int) -> Path:
        return self.batch / f"version={version:06d}"

    @property
    def speed(self) -> StreamPaths:
        return StreamPaths(self.data_dir / "lambda" / "speed")

    @property
    def kappa(self) -> Path:
        return self.data_dir / "kappa"

    def kappa_version(self, version: int) -> StreamPaths:
        return StreamPaths(self.kappa / f"v{version}")

    @property
    def kappa_serving(self) -> Path:
        """Which Kappa version is in service and which served before it (JSON)."""
        return self.kappa / "serving.json"

    @property
    def truth(self) -> Path:
        return self.data_dir / "truth"

    def truth_version(self, logic_version: str) -> Path:
        """The oracle's views at one logic version: `<view>.parquet`, `rejected.parquet` and
        `summary.json` (with `logic_version` and `computed_at`)."""
        return self.truth / logic_version

    @property
    def serving(self) -> Path:
        return self.data_dir / "serving"

    @property
    def catalog(self) -> Path:
        return self.serving / "catalog.duckdb"

    @property
    def catalog_pins(self) -> Path:
        """Which batch version the current catalog reads (retention keeps it) (JSON)."""
        return self.serving / "pins.json"


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
