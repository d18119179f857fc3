"""Atomic publication: write under a temporary name in the same folder, then rename into place."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from core.layout import STAGING


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Replace `path` with what `write(temporary)` writes to a temporary name in the same folder
    (one rename): a reader sees the old file or the new one, never half of one. The temporary
    file is removed if `write` fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_json(path: Path, document: object) -> None:
    """Replace `path` with `document` as JSON, atomically (`write_atomically`)."""
    text = json.dumps(document, indent=2, sort_keys=True, default=str) + "\n"
    write_atomically(path, lambda temporary: temporary.write_text(text))


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
