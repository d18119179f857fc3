"""The JDK and the jars `make setup` gathers: where they are, or one line saying what to install."""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import LkError
from core.settings import REPO_ROOT, Settings


def jars_dir() -> Path:
    """The folder `make setup` fills with the Maven jars (override with LK_JARS_DIR)."""
    return Path(Settings.from_env().jars_dir or REPO_ROOT / "infra" / "jars")


def java_home() -> Path:
    """A Java 17 (or 21) JDK: LK_JAVA_HOME, then JAVA_HOME if it is one, then /usr/lib/jvm."""
    # JAVA_HOME is the JDK's own variable, not a setting of ours: read it as given.
    candidates = [Settings.from_env().java_home, os.environ.get("JAVA_HOME")]
    candidates += sorted(str(p) for p in Path("/usr/lib/jvm").glob("*17*"))
    candidates += sorted(str(p) for p in Path("/usr/lib/jvm").glob("*21*"))
    for candidate in filter(None, candidates):
        home = Path(candidate)
        if (home / "bin" / "java").exists() and java_major_version(home) in (17, 21):
            return home
    raise LkError("no Java 17 JDK found: install openjdk-17-jdk or set JAVA_HOME to a Java 17 JDK")


def java_major_version(home: Path) -> int | None:
    """The major version a JDK's `release` file declares, or None if it has none."""
    release = home / "release"
    if not release.exists():
        return None
    for line in release.read_text(errors="replace").splitlines():
        if line.startswith("JAVA_VERSION="):
            version = line.split("=", 1)[1].strip('"')
            major = version.split(".")[0]
            return int(major) if major.isdigit() else None
    return None
