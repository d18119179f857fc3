"""The event schema of DESIGN.md, defined once: Spark, the generator and validation all read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql.types import StructType

ACTIONS = ("view", "click", "purchase")
"""The actions an accepted event may carry."""


@dataclass(frozen=True)
class Field:
    """One field of an event: its JSON type, Spark type and whether it may be null."""

    name: str
    json_type: str  # "string" or "number"
    spark_type: str  # a Spark SQL type name
    nullable: bool = False


EVENT_FIELDS: tuple[Field, ...] = (
    Field("event_id", "string", "string"),
    Field("user_id", "string", "string"),
    Field("action", "string", "string"),
    Field("product_id", "string", "string", nullable=True),
    Field("amount", "number", "decimal(12,2)"),
    Field("event_time", "string", "string"),
)
"""The fields of an event, in the order the generator writes them."""

EARLIEST_EVENT_YEAR = 1970
LATEST_EVENT_YEAR = 2100
"""Event times outside these years are impossible and rejected."""

MAX_CLOCK_SKEW_MS = 3_600_000
"""How far (ms) an event time may run ahead of its record's Kafka timestamp (the append time
on the project's topics, LogAppendTime; the producer's time on a CreateTime topic). A later
event time comes from a wrong clock and is rejected as `future_event_time` in every path, the
oracle's included, so it can move no watermark and no batch horizon. The figure is Kafka's
own bound on a producer's clock: the topic setting `message.timestamp.after.max.ms`, whose
default is 3,600,000 ms (`ServerLogConfigs.LOG_MESSAGE_TIMESTAMP_AFTER_MAX_MS_DEFAULT`,
Kafka 4.3.1)."""

MAX_AMOUNT = 10**10
"""Amounts must fit decimal(12,2): a larger number is rejected as a wrong type."""

MAX_RECORD_BYTES = 1_000_000
"""A record value longer than this many bytes is `invalid_json` (the producer's own cap)."""

MAX_DEPTH = 1000
"""The most arrays and objects one JSON text may be nested in (Jackson's default, which Spark's
`parse_json` applies): 1000 levels are read, 1001 are `invalid_json`."""

MAX_NUMBER_DIGITS = 1000
"""The most digits one number token may have, counted as Spark's JSON reader counts them: the
digits of the integer part (none for a lone `0`, except when both a fraction and an exponent
follow), of the fraction and of the exponent; signs, `.` and `e` are not counted."""

MAX_KEY_LENGTH = 50_000
"""The longest object key, in UTF-16 code units after unescaping, at any depth (Jackson's
default)."""

REJECTION_REASONS = (
    "invalid_json",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "unknown_action",
    "negative_amount",
    "amount_without_purchase",
    "impossible_timestamp",
    "future_event_time",
)
"""Why a record was rejected; a reason may add detail after a colon, e.g. `missing_field: user_id`."""


def spark_event_schema() -> StructType:
    """The schema of an accepted event in Spark: typed columns, `event_time` as a UTC timestamp."""
    from pyspark.sql.types import DecimalType, StringType, StructField, StructType, TimestampType

    types = {"string": StringType(), "decimal(12,2)": DecimalType(12, 2)}
    fields = [
        StructField(field.name, types[field.spark_type], field.nullable)
        for field in EVENT_FIELDS
        if field.name != "event_time"
    ]
    fields.append(StructField("event_time", TimestampType(), False))
    return StructType(fields)
