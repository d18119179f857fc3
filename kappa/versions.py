"""Kappa versions and which one serves: Kreps's procedure as small, atomic steps.

Each version `v<N>` is one streaming job's output folder (lk.paths.StreamPaths) with `job.json`
(its logic version and parameters). `kappa/serving.json` names the version in service and the
one before it; switching rewrites it atomically and rebuilds the catalog, so a reader sees all
of the old version or all of the new one. Old versions stay until retired: rollback is instant.
"""

from __future__ import annotations

import fcntl
import shutil
from datetime import UTC, datetime
from pathlib import Path

from lk.atomic import exclusive_lock, read_json, write_json
from lk.errors import LkError
from lk.kafka_client import end_offsets
from lk.paths import STAGING, Layout, StreamPaths, numbered
from lk.settings import Settings

DEFAULT_MAX_LAG = 1000
"""A version is caught up when it is at most this many records behind the end of the log."""


def versions(layout: Layout) -> list[int]:
    """The numbers of the versions that exist (started and not retired), oldest first."""
    return [number for number, _ in numbered(layout.kappa, "v")]


def serving(layout: Layout) -> dict:
    """{"current": N or None, "previous": M or None, "switched_at": ...}."""
    return read_json(layout.kappa_serving) or {"current": None, "previous": None}


def lag(settings: Settings, number: int) -> dict:
    """How far version N is behind the log now: per-partition offsets, end offsets, total lag."""
    layout = Layout(settings.data_dir)
    paths = _existing(layout, number)
    status = read_json(paths.progress / "latest.json") or {}
    reached = {int(p): int(o) for p, o in (status.get("offsets") or {}).items()}
    ends = end_offsets(settings.bootstrap, settings.topic)
    behind = {p: max(end - reached.get(p, 0), 0) for p, end in ends.items()}
    return {
        "version": number,
        "offsets": reached,
        "end_offsets": ends,
        "lag": sum(behind.values()),
        "status": status,
    }


def switch(
    settings: Settings, number: int, *, force: bool = False, max_lag: int = DEFAULT_MAX_LAG
) -> dict:
    """Put version N in service, keeping the one it replaces for rollback; refuses while N is
    more than `max_lag` records behind the log (unless forced). The caller then refreshes the
    serving catalog, which readers pick up whole."""
    layout = Layout(settings.data_dir)
    _existing(layout, number)
    behind = lag(settings, number)
    if behind["lag"] > max_lag and not force:
        raise LkError(
            f"v{number} has not caught up: {behind['lag']} records behind the log "
            f"(at most {max_lag}); wait, or pass --force"
        )
    with exclusive_lock(layout.kappa / ".lock"):
        state = serving(layout)
        if state.get("current") == number:
            return {**state, "lag": behind["lag"], "changed": False}
        switched = {
            "current": number,
            "previous": state.get("current"),
            "switched_at": datetime.now(UTC).isoformat(),
            "lag_at_switch": behind["lag"],
        }
        write_json(layout.kappa_serving, switched)
    return {**switched, "lag": behind["lag"], "changed": True}


def rollback(settings: Settings) -> dict:
    """Serve the previous version again at once (its outputs were kept); the two swap places."""
    layout = Layout(settings.data_dir)
    with exclusive_lock(layout.kappa / ".lock"):
        state = serving(layout)
        previous = state.get("previous")
        if previous is None:
            raise LkError("no previous Kappa version to roll back to")
        _existing(layout, previous)
        rolled = {
            "current": previous,
            "previous": state.get("current"),
            "switched_at": datetime.now(UTC).isoformat(),
            "rolled_back": True,
        }
        write_json(layout.kappa_serving, rolled)
    return rolled


def _existing(layout: Layout, number: int) -> StreamPaths:
    paths = layout.kappa_version(number)
    if not paths.root.exists():
        known = ", ".join(f"v{n}" for n in versions(layout)) or "none yet"
        raise LkError(f"Kappa version {number} does not exist (versions: {known})")
    return paths


def running(paths: StreamPaths) -> bool:
    """Is a job writing this version now? (It holds the version's run lock.)"""
    lock = paths.root / ".running"
    if not lock.exists():
        return False
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def retire(settings: Settings, number: int) -> Path:
    """Delete version N's outputs and checkpoint; refuses for the version in service or a
    version still running. Retiring the previous version ends the chance to roll back to it."""
    layout = Layout(settings.data_dir)
    paths = _existing(layout, number)
    with exclusive_lock(layout.kappa / ".lock"):
        state = serving(layout)
        if state.get("current") == number:
            raise LkError(f"v{number} is in service: switch to another version first")
        if running(paths):
            raise LkError(f"v{number} is still running: stop it first (lk kappa stop {number})")
        if state.get("previous") == number:
            write_json(layout.kappa_serving, {**state, "previous": None})
        doomed = layout.kappa / f"{STAGING}-retired-v{number}-{datetime.now(UTC):%Y%m%dT%H%M%S}"
        paths.root.rename(doomed)
    shutil.rmtree(doomed, ignore_errors=True)
    return paths.root
