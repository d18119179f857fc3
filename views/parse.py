"""Kafka records -> typed events or rejections, in Spark: the same rules as `views.validation`.

Both implementations read the field list of `views.events`; a test runs both over the same
records and requires the same verdicts, so the batch, speed and Kappa paths reject exactly
what the Python side (generator checks, oracle) rejects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from views.events import ACTIONS, EARLIEST_EVENT_YEAR, EVENT_FIELDS, LATEST_EVENT_YEAR, MAX_AMOUNT
from views.validation import ISO_UTC_PATTERN

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

NUMBER_TYPES = ("TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE")
RECORD_COLUMNS = ("topic", "partition", "offset", "ingestion_time", "value")


def parse_events(raw: DataFrame) -> DataFrame:
    """One row per Kafka record: where it came from, the typed event, and `reason` if rejected.

    Columns: topic, partition, offset, ingestion_time, value (the raw bytes), event_id, user_id,
    action, product_id, amount, event_time, reason (null when the event is accepted).
    """
    document = F.try_parse_json(F.col("value").cast("string"))
    with_document = raw.select(
        "topic",
        "partition",
        "offset",
        F.col("timestamp").alias("ingestion_time"),
        "value",
        document.alias("_document"),
    )
    fields = {
        f.name: F.try_variant_get("_document", f"$.{f.name}", "variant") for f in EVENT_FIELDS
    }
    amount = F.try_variant_get("_document", "$.amount", "decimal(12,2)")
    event_time_text = F.try_variant_get("_document", "$.event_time", "string")
    event_time = F.try_to_timestamp(event_time_text)
    text = {f.name: F.try_variant_get("_document", f"$.{f.name}", "string") for f in EVENT_FIELDS}

    reason = F.when(F.col("_document").isNull(), F.lit("invalid_json")).when(
        ~F.schema_of_variant("_document").startswith("OBJECT"), F.lit("not_an_object")
    )
    for field in EVENT_FIELDS:
        value = fields[field.name]
        is_json_null = F.is_variant_null(value)
        missing = value.isNull() | (is_json_null if not field.nullable else F.lit(False))
        kind = F.schema_of_variant(value)
        if field.json_type == "string":
            wrong = ~is_json_null & (kind != "STRING")
        else:
            wrong = ~is_json_null & ~(kind.isin(*NUMBER_TYPES) | kind.startswith("DECIMAL"))
        reason = reason.when(missing, F.lit(f"missing_field: {field.name}"))
        reason = reason.when(wrong, F.lit(f"wrong_type: {field.name}"))
    reason = (
        reason.when(text["event_id"] == "", F.lit("missing_field: event_id"))
        .when(text["user_id"] == "", F.lit("missing_field: user_id"))
        .when(~text["action"].isin(*ACTIONS), F.lit("unknown_action"))
        .when(amount.isNull() | (F.abs(amount) >= MAX_AMOUNT), F.lit("wrong_type: amount"))
        .when(amount < 0, F.lit("negative_amount"))
        .when((amount > 0) & (text["action"] != "purchase"), F.lit("amount_without_purchase"))
        .when(_impossible(event_time_text, event_time), F.lit("impossible_timestamp"))
    )
    # (topic, partition, offset, ingestion_time, value, <event fields>, reason)
    return with_document.select(
        *RECORD_COLUMNS,
        text["event_id"].alias("event_id"),
        text["user_id"].alias("user_id"),
        text["action"].alias("action"),
        text["product_id"].alias("product_id"),
        amount.alias("amount"),
        event_time.alias("event_time"),
        reason.alias("reason"),
    )


def _impossible(text: Column, moment: Column) -> Column:
    year = F.year(moment)
    return (
        ~F.regexp_like(text, F.lit(ISO_UTC_PATTERN))
        | moment.isNull()
        | (year < EARLIEST_EVENT_YEAR)
        | (year > LATEST_EVENT_YEAR)
    )


def accepted_events(parsed: DataFrame) -> DataFrame:
    """The accepted events of `parse_events`, in the typed event schema (duplicates still in)."""
    return parsed.where(F.col("reason").isNull()).select(
        "event_id", "user_id", "action", "product_id", "amount", "event_time"
    )


def rejected_records(parsed: DataFrame) -> DataFrame:
    """The rejected records of `parse_events`: where each came from, its raw bytes and why."""
    return parsed.where(F.col("reason").isNotNull()).select(*RECORD_COLUMNS, "reason")
