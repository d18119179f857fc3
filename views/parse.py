"""Kafka records -> typed events or rejections, in Spark SQL (no Python UDF).

A record is valid when its value is one JSON text (RFC 8259) in UTF-8: a single object and
nothing after it but JSON whitespace, no repeated keys, no NaN/Infinity, no lone surrogate
escapes, within the limits of `views.events`; numbers are read as exact decimals. The Python
validator `views.validation` implements the same rules apart from this module; tests run both
(and the oracle) over the same byte strings and require the same verdict and reason.

A record in the generator's canonical shape (`views.canonical`: compact, the contract's keys in
order, plain strings and amounts) is well formed by its shape and takes a fast path: split at its
quotes, only the value rules checked. Every other record takes the strict path below.

How Spark checks each rule (the strict path):
- not UTF-8: `is_valid_utf8` on the value cast to a string (the cast alone replaces bad bytes);
- repeated keys, NaN/Infinity, lone surrogates, depth > 1000, number tokens > 1000 digits,
  keys > 50,000 UTF-16 units: `try_parse_json` returns NULL (Jackson's limits;
  `spark.sql.variant.allowDuplicateKeys` must keep its default, false);
- nothing after the value: `json_array_length('[' || s || ']') = 1` and of `'[' || s || ',0]'`
  = 2; that wrapper adds a level, so a text nested exactly 1000 deep is checked without it:
  an object's last `}` is swapped for `,"":0}` and must add exactly one key (an array: `,0]`,
  one element);
- exact amounts: a plain decimal of up to 38 digits is exact in the variant; any other number
  is a DOUBLE there, and then `from_json` (Jackson's BigDecimal, half-up) reads it exactly when
  the double is finite and non-zero (a zero double is 0.00; `from_json` would hang on
  exponents like 1e-50000000, which only ever give a zero double);
- deep records: `schema_of_variant` recurses and overflows the executor's stack on a value
  ~1000 levels deep, which stops the SparkContext, so a record with more than SHALLOW_BRACKETS
  brackets names its containers by casting them instead (see `_kind`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from views.canonical import (
    AMOUNT_TYPE,
    EVENT_TIME_PATTERN,
    canonical_field,
    canonical_pieces,
    is_canonical,
)
from views.events import (
    ACTIONS,
    EARLIEST_EVENT_YEAR,
    EVENT_FIELDS,
    LATEST_EVENT_YEAR,
    MAX_AMOUNT,
    MAX_CLOCK_SKEW_MS,
    MAX_RECORD_BYTES,
)

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

NUMBER_TYPES = ("TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE")
RECORD_COLUMNS = ("topic", "partition", "offset", "ingestion_time", "value")
SHALLOW_BRACKETS = 100
"""A record with at most this many `[` and `{` cannot nest deep enough to trouble recursion."""
STRING_COLUMNS = ("event_id", "user_id", "action", "product_id")
EVENT_COLUMNS = (*STRING_COLUMNS, "amount", "event_time")
"""The typed event's columns, in the contract's order."""


def parse_events(raw: DataFrame) -> DataFrame:
    """One row per Kafka record: where it came from, the typed event, and `reason` if rejected.

    Columns: topic, partition, offset, ingestion_time, value (the raw bytes), event_id, user_id,
    action, product_id, amount, event_time, reason (null when the event is accepted; the event
    columns are null when it is rejected).
    """
    text = F.col("value").cast("string")
    # A record in the generator's canonical shape takes one regex and one typed read; every
    # other record takes the strict path below (each of its steps is skipped for a fast one).
    with_fast = raw.select(
        "topic",
        "partition",
        "offset",
        F.col("timestamp").alias("ingestion_time"),
        "value",
        text.alias("_text"),
        is_canonical(F.col("value"), text).alias("_fast"),
    )
    strict = ~F.col("_fast")
    parsed = with_fast.select(
        "*",
        F.when(strict, F.try_parse_json(F.col("_text"))).alias("_parsed"),
        F.when(F.col("_fast"), canonical_pieces(F.col("_text"))).alias("_canonical"),
    )
    # How many `[` and `{` bytes: two byte-wise replaces (`translate` hashes every character:
    # 8% of a replay's executor CPU in a profile), counted in bytes (exact for any bytes).
    without = F.replace(F.replace(F.col("_text"), F.lit("["), F.lit("")), F.lit("{"), F.lit(""))
    opened = F.octet_length("_text") - F.octet_length(without)
    with_document = parsed.select(
        *RECORD_COLUMNS,
        "_text",
        "_fast",
        "_canonical",
        F.when(strict & _one_json_text(F.col("_text"), F.col("_parsed")), F.col("_parsed")).alias(
            "_document"
        ),
        F.when(strict, opened <= SHALLOW_BRACKETS).alias("_shallow"),
    )
    # Each field's value, text and kind once, as columns (each is a walk of the document).
    document, shallow, canonical = F.col("_document"), F.col("_shallow"), F.col("_canonical")
    fields = with_document.select(
        *RECORD_COLUMNS,
        "_text",
        "_fast",
        "_document",
        "_shallow",
        "_canonical",
        *(_value(f.name).alias(f"_v_{f.name}") for f in EVENT_FIELDS),
        *(F.when(F.col("_fast"), canonical_field(canonical, f.name))
           .otherwise(F.try_variant_get(document, f"$.{f.name}", "string"))
           .alias(_text_of(f.name)) for f in EVENT_FIELDS if f.name != "amount"),
    )  # fmt: skip
    kinds = fields.select("*", *(_kind(_value_of(f.name), shallow).alias(_kind_of(f.name))
                                 for f in EVENT_FIELDS))  # fmt: skip
    typed = kinds.select(
        "*",
        F.when(F.col("_fast"), canonical_field(canonical, "amount"))
        .otherwise(_exact_amount(document, F.col("_text"), F.col(_kind_of("amount"))))
        .alias("_amount"),
        F.try_to_timestamp(_text_of("event_time")).alias("_moment"),
    )
    judged = typed.select("*", _reason().alias("reason"))
    accepted = F.col("reason").isNull()
    # (topic, partition, offset, ingestion_time, value, <event fields>, reason)
    return judged.select(
        *RECORD_COLUMNS,
        *(F.when(accepted, F.col(_text_of(name))).alias(name) for name in STRING_COLUMNS),
        F.when(accepted, F.col("_amount")).alias("amount"),
        F.when(accepted, F.col("_moment")).alias("event_time"),
        "reason",
    )


def _value(name: str) -> Column:
    return F.try_variant_get(F.col("_document"), f"$.{name}", "variant")


def _value_of(name: str) -> Column:
    return F.col(f"_v_{name}")


def _text_of(name: str) -> str:
    return f"_t_{name}"


def _kind_of(name: str) -> str:
    return f"_k_{name}"


def _reason() -> Column:
    """Why the record is rejected, or NULL; from the per-field columns of `parse_events`. A
    canonical record (`_fast`) is well formed by its shape, so only the value rules apply."""
    return F.coalesce(F.when(~F.col("_fast"), _form_reason()), _value_reason())


def _form_reason() -> Column:
    """Why the record in `_document` (NULL: not one JSON text) is not an object with every
    field of the contract in its JSON type, or NULL."""
    document = F.col("_document")
    is_object = _first_bracket(F.col("_text")) == "{"
    reason = F.when(document.isNull(), F.lit("invalid_json")).when(
        ~is_object, F.lit("not_an_object")
    )
    for field in EVENT_FIELDS:
        value = _value_of(field.name)
        is_json_null = F.is_variant_null(value)
        missing = value.isNull() | (is_json_null if not field.nullable else F.lit(False))
        kind = F.col(_kind_of(field.name))
        if field.json_type == "string":
            wrong = ~is_json_null & (kind != "STRING")
        else:
            wrong = ~is_json_null & ~(kind.isin(*NUMBER_TYPES) | kind.startswith("DECIMAL"))
        reason = reason.when(missing, F.lit(f"missing_field: {field.name}"))
        reason = reason.when(wrong, F.lit(f"wrong_type: {field.name}"))
    return reason


def _value_reason() -> Column:
    """Which rule the values of a well-formed record break (empty ids, an unknown action, the
    amount's range and sign, an impossible time, a time later than the record's Kafka timestamp
    plus `views.events.MAX_CLOCK_SKEW_MS`), or NULL."""
    text = {name: F.col(_text_of(name)) for name in ("event_id", "user_id", "action")}
    amount = F.col("_amount")
    return (
        F.when(text["event_id"] == "", F.lit("missing_field: event_id"))
        .when(text["user_id"] == "", F.lit("missing_field: user_id"))
        .when(~text["action"].isin(*ACTIONS), F.lit("unknown_action"))
        .when(amount.isNull() | (F.abs(amount) >= MAX_AMOUNT), F.lit("wrong_type: amount"))
        .when(amount < 0, F.lit("negative_amount"))
        .when((amount > 0) & (text["action"] != "purchase"), F.lit("amount_without_purchase"))
        .when(
            _impossible(F.col(_text_of("event_time")), F.col("_moment"), F.col("_fast")),
            F.lit("impossible_timestamp"),
        )
        .when(
            F.unix_micros(F.col("_moment"))
            > F.unix_micros(F.col("ingestion_time")) + MAX_CLOCK_SKEW_MS * 1000,
            F.lit("future_event_time"),
        )
    )


def _kind(value: Column, shallow: Column) -> Column:
    """`schema_of_variant` of a value, e.g. STRING, BIGINT, DECIMAL(4,2), OBJECT<...>; in a deep
    record a container is only named OBJECT or ARRAY (`schema_of_variant` recurses, and a
    thousand levels overflow the executor's stack, which stops Spark)."""
    as_object = F.try_variant_get(value, "$", "map<string,variant>")
    as_array = F.try_variant_get(value, "$", "array<variant>")
    return (
        F.when(shallow, F.schema_of_variant(value))
        .when(as_object.isNotNull(), F.lit("OBJECT"))
        .when(as_array.isNotNull(), F.lit("ARRAY"))
        .otherwise(F.schema_of_variant(value))
    )


def _one_json_text(text: Column, document: Column) -> Column:
    """True when `text` (the value as a string, NULL for a tombstone) is one JSON text in valid
    UTF-8 within the size limit, with nothing after it; `document` is its `try_parse_json`,
    which checks the rest."""
    wrapped = (F.json_array_length(F.concat(F.lit("["), text, F.lit("]"))) == 1) & (
        F.json_array_length(F.concat(F.lit("["), text, F.lit(",0]"))) == 2
    )
    # Without JSON whitespace after it: rtrim is linear (a regex anchored at the end is not).
    trimmed = F.rtrim(text, F.lit(" \t\n\r"))
    body = trimmed.substr(F.lit(1), F.length(trimmed) - 1)  # without its last character
    first = _first_bracket(text)
    keys = F.size(F.json_object_keys(text))
    elements = F.json_array_length(text)
    one_more_key = F.size(
        F.json_object_keys(F.concat(body, F.when(keys == 0, '"":0}').otherwise(',"":0}')))
    )
    one_more_element = F.json_array_length(
        F.concat(body, F.when(elements == 0, "0]").otherwise(",0]"))
    )
    unwrapped = F.when(first == "{", trimmed.endswith("}") & (one_more_key == keys + 1)).when(
        first == "[", trimmed.endswith("]") & (one_more_element == elements + 1)
    )
    return F.coalesce(
        (F.octet_length("value") <= MAX_RECORD_BYTES)
        & F.is_valid_utf8(text)
        & document.isNotNull()
        & F.when(wrapped, True).otherwise(unwrapped),
        F.lit(False),
    )


def _first_bracket(text: Column) -> Column:
    """`{` or `[` when the text starts with one after JSON whitespace, else an empty string."""
    return F.regexp_extract(text, r"^[ \t\n\r]*([\[{])", 1)


def _exact_amount(document: Column, text: Column, kind: Column) -> Column:
    """The top-level `amount` as decimal(12,2), exactly rounded half-up; NULL when it is not a
    number or does not fit. `kind`: the amount's `_kind`."""
    as_double = F.try_variant_get(document, "$.amount", "double")
    null = F.lit(None).cast(AMOUNT_TYPE)
    # NULL-safe: a record that is not one JSON text has no document and no kind, and must
    # never reach `from_json` (Jackson would read what try_parse_json refused, e.g. 1e-50000000).
    is_number = F.coalesce(kind.isin(*NUMBER_TYPES) | kind.startswith("DECIMAL"), F.lit(False))
    return (
        F.when(~is_number, null)
        .when(kind != "DOUBLE", F.try_variant_get(document, "$.amount", AMOUNT_TYPE))
        .when(as_double.isNull() | F.isnan(as_double) | (F.abs(as_double) == float("inf")), null)
        .when(as_double == 0, F.lit(0).cast(AMOUNT_TYPE))
        .otherwise(F.from_json(text, f"amount {AMOUNT_TYPE}").getField("amount"))
    )


def _impossible(text: Column, moment: Column, shaped: Column) -> Column:
    """True when an event time is not a real moment in the contract's years or not in the
    contract's shape; `shaped`: its shape was checked already (a canonical record)."""
    year = F.year(moment)
    return (
        (~shaped & ~F.regexp_like(text, F.lit(EVENT_TIME_PATTERN)))
        | moment.isNull()
        | (year < EARLIEST_EVENT_YEAR)
        | (year > LATEST_EVENT_YEAR)
    )


def accepted_events(parsed: DataFrame) -> DataFrame:
    """The accepted events of `parse_events`, in the typed event schema (duplicates still in)."""
    return parsed.where(F.col("reason").isNull()).select(*EVENT_COLUMNS)


def rejected_records(parsed: DataFrame) -> DataFrame:
    """The rejected records of `parse_events`: where each came from, its raw bytes and why."""
    return parsed.where(F.col("reason").isNotNull()).select(*RECORD_COLUMNS, "reason")
