"""One frozen settings object per process: flags first, then environment variables, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from lk.errors import LkError

DEFAULTS = {
    "LK_DATA_DIR": "./data",
    "LK_BOOTSTRAP": "127.0.0.1:9092",
    "LK_TOPIC": "user_events",
    "LK_SPARK_MASTER": "local[2]",
}

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Where state lives and which Kafka, topic and Spark master a command talks to."""

    data_dir: Path
    bootstrap: str
    topic: str
    spark_master: str

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from LK_* environment variables; keyword arguments that are not None win."""
        env = {name: os.environ.get(name) or default for name, default in DEFAULTS.items()}
        settings = cls(
            data_dir=Path(env["LK_DATA_DIR"]).resolve(),
            bootstrap=env["LK_BOOTSTRAP"],
            topic=env["LK_TOPIC"],
            spark_master=env["LK_SPARK_MASTER"],
        )
        chosen = {key: value for key, value in overrides.items() if value is not None}
        if "data_dir" in chosen:
            chosen["data_dir"] = Path(str(chosen["data_dir"])).resolve()
        return replace(settings, **chosen)

    def as_env(self) -> dict[str, str]:
        """These settings as the LK_* variables a child process (a job, a task) reads them from."""
        return {
            "LK_DATA_DIR": str(self.data_dir),
            "LK_BOOTSTRAP": self.bootstrap,
            "LK_TOPIC": self.topic,
            "LK_SPARK_MASTER": self.spark_master,
        }

    @property
    def bootstrap_host_port(self) -> tuple[str, int]:
        """The first bootstrap server as (host, port)."""
        return parse_host_port(self.bootstrap.split(",")[0])


def parse_host_port(address: str) -> tuple[str, int]:
    """Split 'host:port' and check the port is a number."""
    host, _, port = address.strip().rpartition(":")
    if not host or not port.isdigit():
        raise LkError(f"bootstrap address {address!r} is not host:port (e.g. 127.0.0.1:9092)")
    return host, int(port)


def jars_dir() -> Path:
    """The folder `make setup` fills with the Maven jars (override with LK_JARS_DIR)."""
    return Path(os.environ.get("LK_JARS_DIR") or REPO_ROOT / "infra" / "jars")


def java_home() -> Path:
    """A Java 17 (or 21) JDK: LK_JAVA_HOME, then JAVA_HOME if it is one, then /usr/lib/jvm."""
    candidates = [os.environ.get("LK_JAVA_HOME"), os.environ.get("JAVA_HOME")]
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
