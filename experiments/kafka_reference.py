"""Kafka's own performance tools as the reference every benchmark ratio is measured against."""

from __future__ import annotations

from infra.java import run_kafka_tool
from lk.errors import LkError


def consumer_performance(bootstrap: str, topic: str, records: int) -> dict[str, float]:
    """Kafka's ConsumerPerformance reading `records` of the topic: records/s in total and while
    fetching (the physical read limit every consumer in this project is compared with)."""
    output = run_kafka_tool(
        "org.apache.kafka.tools.ConsumerPerformance",
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        "--num-records",
        str(records),
        "--timeout",
        "60000",
    )
    lines = [line for line in output.splitlines() if line.strip()]
    header = next((line for line in lines if line.startswith("start.time")), "")
    values = lines[-1] if lines else ""
    row = dict(
        zip(
            (h.strip() for h in header.split(",")),
            (v.strip() for v in values.split(",")),
            strict=False,
        )
    )
    try:
        return {"total": float(row["nMsg.sec"]), "fetch": float(row["fetch.nMsg.sec"])}
    except (KeyError, ValueError):
        raise LkError(
            f"could not read ConsumerPerformance's result from: {output[-300:]}"
        ) from None
