"""Run Kafka's Java classes from the jars `make setup` gathered."""

from __future__ import annotations

from pathlib import Path

from core.errors import LkError
from core.jvm import jars_dir, java_home
from infra.startup import run_to_end


def kafka_jars() -> Path:
    """The folder of broker and tool jars; a readable error if `make setup` has not filled it."""
    folder = jars_dir() / "kafka"
    if not any(folder.glob("kafka_2.13-*.jar")):
        raise LkError(f"Kafka jars are missing in {folder}: run `make setup`")
    return folder


def kafka_version() -> str:
    """The version of the Kafka jars, e.g. 4.3.1."""
    jar = next(kafka_jars().glob("kafka_2.13-*.jar"))
    return jar.stem.removeprefix("kafka_2.13-")


def java_command(
    main_class: str, *args: str, heap: str = "512m", log_config: str = "log4j2-tools.properties"
) -> list[str]:
    """The command line that runs a Kafka main class on the Java 17 JDK."""
    return [
        str(java_home() / "bin" / "java"),
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={Path(__file__).with_name(log_config)}",
        "-cp",
        f"{kafka_jars()}/*",
        main_class,
        *args,
    ]


def run_kafka_tool(main_class: str, *args: str, timeout: float = 600) -> str:
    """Run one of Kafka's command-line tools to completion and return what it printed;
    LkError with its most telling line if it fails, or if it runs longer than `timeout` s."""
    name = main_class.rsplit(".", 1)[-1]
    result = run_to_end(
        java_command(main_class, *args),
        what=name,
        timeout=timeout,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        lines = (result.stderr + result.stdout).strip().splitlines() or ["no output"]
        cause = next((line for line in lines if "Exception" in line or "ERROR" in line), lines[-1])
        raise LkError(f"{name} failed: {cause.strip()}")
    return result.stdout
