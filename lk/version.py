"""`lk --version`: this project's version and those of the systems it runs on."""

from __future__ import annotations

import argparse
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def versions() -> dict[str, str]:
    """Name -> version of lk (the `lambda-kappa` package), Python, Kafka (the jars `make
    setup` fetched; "not set up" before), Spark (pyspark), Airflow and DuckDB, and the JDK
    Spark and Kafka run on."""
    from core.errors import LkError
    from core.jvm import java_home
    from infra.java import kafka_version

    found = {name: _installed(package) for name, package in PACKAGES.items()}
    found["Python"] = platform.python_version()
    try:
        found["Kafka"] = kafka_version()
    except LkError:
        found["Kafka"] = "not set up (make setup)"
    try:
        found["Java"] = _java_version(java_home())
    except LkError:
        found["Java"] = "no JDK 17 found"
    return found


PACKAGES = {"lk": "lambda-kappa", "Spark": "pyspark", "Airflow": "apache-airflow",
            "DuckDB": "duckdb"}  # fmt: skip
"""Shown name -> Python distribution whose version it reports."""


def _java_version(home: Path) -> str:
    """The JDK's version from its `release` file (JAVA_VERSION="17.0.15"), else its folder."""
    for line in (home / "release").read_text().splitlines() if (home / "release").exists() else []:
        if line.startswith("JAVA_VERSION="):
            return line.split("=", 1)[1].strip().strip('"')
    return home.name


def _installed(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


class VersionAction(argparse.Action):
    """`--version`: print every version on one line each, then exit 0."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # noqa: ANN001
        order = ("lk", "Python", "Java", "Kafka", "Spark", "Airflow", "DuckDB")
        found = versions()
        sys.stdout.write("".join(f"{name:<8} {found[name]}\n" for name in order))
        parser.exit(0)
