"""Disk bytes per architecture over a run: what each keeps on disk, sampled in a thread.

- **Lambda**: the master dataset (committed ingest runs), the published batch versions and the
  speed layer's folder (checkpoint, partial rows, counted events).
- **Kappa**: every Kappa version's folder (checkpoint, partial rows, counted events).
- **shared**: the topic's Kafka log, summed over every replica on every broker, as the brokers
  report it (DescribeLogDirs), so it is measured on a remote cluster too. Lambda needs it only
  until the batch layer has ingested; Kappa needs all of it for a replay.

Bytes are what the files take on disk (`st_blocks` × 512), not their apparent size: Kafka's
pre-allocated index files are sparse.

What each architecture must keep (`peak_bytes`, the live phase's peak): Lambda its folders
(the log only until ingested); Kappa its versions and the whole log (a replay reads it all).
Kreps ("Questioning the Lambda Architecture", O'Reilly Radar, 2014) says a Kappa reprocessing
needs twice the output storage while the new version is built beside the old one;
`reprocess_ratio` measures that for both: the peak of the output (Lambda's batch versions,
Kappa's versions) during the final rebuild over the output's bytes when it began.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

from core.layout import Layout
from core.settings import Settings

KAFKA_EVERY_S = 5.0
"""How often the Kafka log's size is asked for (s): a request to every broker."""


def folder_bytes(*folders: Path) -> int:
    """Bytes the files under `folders` take on disk (st_blocks × 512); missing folders are 0
    and files removed while walking are skipped."""
    total = 0
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def kafka_log_bytes(admin: object, topic: str) -> int:
    """Bytes of `topic`'s log on every broker (every replica), from DescribeLogDirs."""
    total = 0
    for broker in admin.describe_log_dirs([topic]):  # type: ignore[attr-defined]
        for log_dir in broker.get("log_dirs", []):
            for found in log_dir.get("topics", []):
                if found.get("name") == topic:
                    total += sum(p.get("partition_size", 0) for p in found.get("partitions", []))
    return total


class DiskMeter:
    """Samples the disk bytes of each architecture every `interval` s in a daemon thread.

    `series` holds `(t, phase, parts)`, t in s since the epoch, `parts` the bytes of `master`
    (the master dataset), `batch`, `speed`, `kappa` (every version) and `log` (None until the
    brokers answered); `phase` is whatever the run set last (`recompute` marks the rebuild)."""

    def __init__(self, settings: Settings, interval: float = 1.0) -> None:
        self.settings = settings
        self.layout = Layout(settings.data_dir)
        self.interval = interval
        self.phase = "live"
        self.series: list[tuple[float, str, dict[str, int | None]]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._kafka: int | None = None
        self._kafka_at = 0.0

    def start(self) -> None:
        """Begin sampling."""
        self._thread = threading.Thread(target=self._run, name="disk-meter", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling after one last sample."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30.0)
            self._thread = None

    def _run(self) -> None:
        from core.kafka_client import admin_client

        with contextlib.ExitStack() as stack:
            admin = None
            with contextlib.suppress(Exception):  # no Kafka figure rather than no run
                admin = stack.enter_context(admin_client(self.settings.bootstrap))
            while True:
                self.sample(admin)
                if self._stop.wait(self.interval):
                    self.sample(admin, force_kafka=True)
                    return

    def sample(self, admin: object | None = None, *, force_kafka: bool = False) -> None:
        """One sample of every folder (and the Kafka log every KAFKA_EVERY_S)."""
        now = time.time()
        if admin is not None and (force_kafka or now - self._kafka_at >= KAFKA_EVERY_S):
            with contextlib.suppress(Exception):
                self._kafka = kafka_log_bytes(admin, self.settings.topic)
                self._kafka_at = now
        layout = self.layout
        parts = {
            "master": folder_bytes(layout.ingest),
            "batch": folder_bytes(layout.batch),
            "speed": folder_bytes(layout.speed.root),
            "kappa": folder_bytes(layout.kappa),
            "log": self._kafka,
        }
        self.series.append((now, self.phase, parts))

    def figures(self) -> dict[str, dict[str, float | None]]:
        """Per architecture (and `shared`: the log): `peak_bytes` in the live phase (Kappa's
        with the log), `end_bytes` (the last sample) and `reprocess_ratio` (the output's peak
        during the rebuild over its bytes when the rebuild began; None without both)."""
        live = [parts for _, phase, parts in self.series if phase != "recompute"]
        rebuild = [parts for _, phase, parts in self.series if phase == "recompute"]
        found: dict[str, dict[str, float | None]] = {}
        for name, kept, output in (
            ("lambda", ("master", "batch", "speed"), "batch"),
            ("kappa", ("kappa", "log"), "kappa"),
            ("shared", ("log",), None),
        ):
            totals = [_total(parts, kept) for _, _, parts in self.series]
            peak = [_total(parts, kept) for parts in live]
            before = live[-1][output] if output and live else None
            during = max((parts[output] for parts in rebuild), default=None) if output else None
            ratio = during / before if during is not None and before else None
            found[name] = {
                "peak_bytes": max((v for v in peak if v is not None), default=None),
                "end_bytes": next((v for v in reversed(totals) if v is not None), None),
                "reprocess_ratio": round(ratio, 3) if ratio is not None else None,
            }
        return found

    def finish(self, started: float) -> tuple[dict, list[dict]]:
        """Stop sampling; `(figures(), records(started))`."""
        self.stop()
        return self.figures(), self.records(started)

    def records(self, started: float) -> list[dict]:
        """The series as rows `{t_s, architecture, bytes}`, t_s from `started` (s): Lambda's
        folders, Kappa's versions and (as `shared`) the Kafka log."""
        rows = []
        for t, _, parts in self.series:
            for name, size in (
                ("lambda", _total(parts, ("master", "batch", "speed"))),
                ("kappa", parts["kappa"]),
                ("shared", parts["log"]),
            ):
                if size is not None:
                    rows.append({"t_s": round(t - started, 2), "architecture": name, "bytes": size})
        return rows


def _total(parts: dict[str, int | None], names: tuple[str, ...]) -> int | None:
    """The sum of `names` in one sample; None if any is unknown (the log before it is asked)."""
    values = [parts[name] for name in names]
    return None if any(value is None for value in values) else sum(values)  # type: ignore[misc]
