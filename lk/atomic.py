"""Atomic publication: write under a temporary name in the same folder, then rename into place."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lk.paths import STAGING


def write_json(path: Path, document: object) -> None:
    """Replace `path` with `document` as JSON; a reader sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    temporary.write_text(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(temporary, path)


def read_json(path: Path) -> dict | None:
    """The JSON document at `path`, or None if there is none."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None


def staging_dir(parent: Path, name: str) -> Path:
    """A fresh folder under `parent/_staging` to build something before it is renamed into place."""
    folder = parent / STAGING / f"{name}-{uuid.uuid4().hex[:12]}"
    folder.mkdir(parents=True)
    return folder


def publish_dir(staged: Path, final: Path) -> None:
    """Rename a staged folder to its final name in one step; refuses to replace an existing one."""
    final.parent.mkdir(parents=True, exist_ok=True)
    os.rename(staged, final)  # atomic; fails if `final` exists and is not empty


def clear_staging(parent: Path) -> None:
    """Remove work left by runs that died before publishing (it was never visible to anyone)."""
    shutil.rmtree(parent / STAGING, ignore_errors=True)


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (one writer at a time, across processes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def held_or_refused(path: Path, refusal: str) -> Iterator[None]:
    """Hold an exclusive lock on `path` for a job's lifetime; LkError(refusal) if already held."""
    from lk.errors import LkError

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LkError(refusal) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
