"""The Spark settings the event contract fixes, and the refusal of any source that changes them.

Which records are valid, what an event's time and year are, how amounts and revenues round:
Spark decides these under a handful of SQL settings. A value set elsewhere (LK_SPARK_CONF,
`spark-defaults.conf` in SPARK_CONF_DIR, PYSPARK_SUBMIT_ARGS) would change verdicts or views
in one path and not in the oracle (for example, a session time zone east of UTC moves
2100-12-31T23:30Z into 2101, which the contract rejects). So every session starts with
CONTRACT_CONF (the builder's settings override spark-defaults.conf and PYSPARK_SUBMIT_ARGS);
`refuse_contract_changes` refuses LK_SPARK_CONF pairs that would change them, and keys under
`spark.sql.legacy.` (each restores an old semantics), before Spark starts; `check_contract`
refuses a running session that holds another value all the same (a caller's extra settings,
a session started before ours).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import LkError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CONTRACT_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.variant.allowDuplicateKeys": "false",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.timestampType": "TIMESTAMP_LTZ",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.decimalOperations.allowPrecisionLoss": "true",
    "spark.sql.caseSensitive": "false",
}
"""Setting -> the value the contract's parse and views are written for (Spark 4.2's defaults,
but for the time zone)."""

LEGACY_PREFIX = "spark.sql.legacy."


def refuse_contract_changes(conf: dict[str, str]) -> None:
    """LkError (one line) when `conf` (LK_SPARK_CONF's pairs) sets a CONTRACT_CONF key to
    another value or any key under LEGACY_PREFIX."""
    for key, value in conf.items():
        fixed = CONTRACT_CONF.get(key)
        if fixed is not None and value.strip().lower() != fixed.lower():
            raise LkError(_changes(key, value, fixed, "LK_SPARK_CONF"))
        if fixed is None and key.startswith(LEGACY_PREFIX):
            raise LkError(
                f"LK_SPARK_CONF: {key} restores an old Spark semantics the event contract does "
                "not allow; remove it"
            )


def check_contract(spark: SparkSession) -> None:
    """LkError (one line) when the running session holds a CONTRACT_CONF key at another value
    (set by spark-defaults.conf, PYSPARK_SUBMIT_ARGS or a session started before ours)."""
    for key, fixed in CONTRACT_CONF.items():
        value = spark.conf.get(key, None)
        if value is not None and value.lower() != fixed.lower():
            raise LkError(_changes(key, value, fixed, "Spark's configuration"))


def _changes(key: str, value: str, fixed: str, source: str) -> str:
    return (
        f"{source}: {key}={value} would change which events are valid or what the views count "
        f"(the event contract needs {fixed}); remove it"
    )
