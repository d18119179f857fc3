"""Kappa versions and which one serves: Kreps's procedure as small, atomic steps.

Each version `v<N>` is one streaming job's output folder (core.layout.StreamPaths) with `job.json`
(its logic version and parameters). `kappa/serving.json` names the version in service and the
one before it; switching rewrites it atomically and rebuilds the catalog, so a reader sees all
of the old version or all of the new one. Old versions stay until retired: rollback is instant.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from core.atomic import read_json, write_json
from core.errors import LkError
from core.kafka_client import end_offsets
from core.layout import STAGING, Layout, StreamPaths, numbered
from core.locks import exclusive_lock, held_or_refused, is_held
from core.settings import DEFAULT_MAX_LAG, Settings


def versions(layout: Layout) -> list[int]:
    """The numbers of the versions that exist (started and not retired), oldest first."""
    return [number for number, _ in numbered(layout.kappa, "v")]


def serving(layout: Layout) -> dict:
    """{"current": N or None, "previous": M or None, "switched_at": ...}."""
    return read_json(layout.kappa_serving) or {"current": None, "previous": None}


def lag(settings: Settings, number: int) -> dict:
    """How far version N is behind the log: per-partition offsets, the log's end offsets now,
    and `lag` in records. For a running version that is the smaller of the lag now and the lag
    its last micro-batch saw (records that arrived since are not a sign of falling behind)."""
    layout = Layout(settings.data_dir)
    paths = _existing(layout, number)
    status = read_json(paths.progress / "latest.json") or {}
    reached = {int(p): int(o) for p, o in (status.get("offsets") or {}).items()}
    ends = end_offsets(settings.bootstrap, settings.topic)
    now = sum(max(end - reached.get(p, 0), 0) for p, end in ends.items())
    is_running = running(paths)
    seen = status.get("lag")
    job = read_json(paths.state_file) or {}
    return {
        "version": number,
        "offsets": reached,
        "end_offsets": ends,
        "lag": min(now, seen) if is_running and seen is not None else now,
        "running": is_running,
        "caught_up_at": job.get("caught_up_at"),
        "status": status,
    }


def _check_caught_up(behind: dict, max_lag: int, action: str) -> None:
    number = behind["version"]
    if behind["caught_up_at"] is None:
        raise LkError(f"v{number} has not finished replaying the log: {action} refused (--force)")
    if behind["lag"] > max_lag:
        raise LkError(
            f"v{number} is {behind['lag']} records behind the log (at most {max_lag}): "
            f"{action} refused; wait, or pass --force"
            + (
                ""
                if behind["running"]
                else f" (it is not running: lk kappa run --version {number})"
            )
        )


def switch(
    settings: Settings, number: int, *, force: bool = False, max_lag: int = DEFAULT_MAX_LAG
) -> dict:
    """Put version N in service, keeping the one it replaces for rollback; refuses while N has
    not replayed the whole log or is more than `max_lag` records behind (unless forced). The
    caller then refreshes the serving catalog, which readers pick up whole."""
    layout = Layout(settings.data_dir)
    _existing(layout, number)
    behind = lag(settings, number)
    if not force:
        _check_caught_up(behind, max_lag, "switch")
    with exclusive_lock(layout.kappa / ".lock"):
        state = serving(layout)
        if state.get("current") == number:
            return {**state, "lag": behind["lag"], "changed": False}
        switched = {
            **state,
            "current": number,
            "previous": state.get("current"),
            "switched_at": datetime.now(UTC).isoformat(),
            "lag_at_switch": behind["lag"],
        }
        write_json(layout.kappa_serving, switched)
    return {**switched, "lag": behind["lag"], "changed": True}


def rollback(settings: Settings, *, force: bool = False, max_lag: int = DEFAULT_MAX_LAG) -> dict:
    """Serve the previous version again at once (its outputs were kept); the two swap places.
    Refuses if the previous version has fallen behind the log (stopped since), unless forced."""
    layout = Layout(settings.data_dir)
    previous = serving(layout).get("previous")
    if previous is None:
        raise LkError("no previous Kappa version to roll back to")
    behind = lag(settings, previous)
    if not force:
        _check_caught_up(behind, max_lag, "rollback")
    with exclusive_lock(layout.kappa / ".lock"):
        state = serving(layout)
        if state.get("previous") != previous:
            raise LkError("the versions in service changed meanwhile: try again")
        rolled = {
            **state,
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
    return is_held(paths.root / ".running")


def retire(
    settings: Settings, number: int, before_delete: Callable[[], None] | None = None
) -> Path:
    """Delete version N's outputs and checkpoint. Refuses for the version in service (or the
    one the serving catalog still reads) and for a version still running. N is first marked
    as retiring and `before_delete` runs (the caller rebuilds the catalog without it), so no
    reader's view points at files about to go. Retiring the previous version ends rollback."""
    layout = Layout(settings.data_dir)
    paths = _existing(layout, number)
    with exclusive_lock(layout.kappa / ".lock"):
        state = serving(layout)
        pinned = (read_json(layout.catalog_pins) or {}).get("kappa_version")
        if number in (state.get("current"), pinned):
            raise LkError(f"v{number} is in service: switch to another version first")
        if running(paths):
            raise LkError(f"v{number} is still running: stop it first (lk kappa stop {number})")
        retiring = sorted(set(state.get("retiring", [])) | {number})
        previous = None if state.get("previous") == number else state.get("previous")
        write_json(layout.kappa_serving, {**state, "previous": previous, "retiring": retiring})
    refusal = f"v{number} is still running: stop it first (lk kappa stop {number})"
    try:
        with held_or_refused(paths.root / ".running", refusal):
            if before_delete:
                before_delete()
            stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}"
            doomed = layout.kappa / f"{STAGING}-retired-v{number}-{stamp}"
            paths.root.rename(doomed)
        shutil.rmtree(doomed, ignore_errors=True)
    finally:
        with exclusive_lock(layout.kappa / ".lock"):
            state = serving(layout)
            left = [n for n in state.get("retiring", []) if n != number]
            write_json(layout.kappa_serving, {**state, "retiring": left})
    return paths.root
