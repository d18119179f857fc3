"""The canonical fast path of views/parse.py: taken by every generated event, and giving the
oracle's verdict on records in the canonical shape with edge content (and on near misses,
which take the strict path)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.oracle.oracle_cases import oracle_verdict
from tests.oracle.test_vs_spark import raw_frame, spark_verdicts
from workloads.generator import generate
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow

plain_text = st.text(st.characters(exclude_characters='"\\', max_codepoint=0x10FFFF), max_size=6)
"""String contents: any characters but a quote or backslash (control characters and lone
surrogates included: they must take the strict path)."""
amounts = st.from_regex(r"-?(0|[1-9][0-9]{0,11})(\.[0-9]{1,3})?", fullmatch=True) | st.sampled_from(
    ["0", "-0", "-0.0", "0.00", "9999999999.99", "10000000000", "-9999999999.99", "0.01", "01"]
)
event_times = st.from_regex(
    r"[0-9]{4}-[0-3][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\.[0-9]{1,7})?(Z|[+-]0[0-2]:00)",
    fullmatch=True,
) | st.sampled_from(["1970-01-01T00:00:00Z", "2100-12-31T23:59:59.999999Z", "2101-01-01T00:00:00Z"])


@st.composite
def canonical_texts(draw: st.DrawFn) -> bytes:
    """A record in the generator's layout (compact, the contract's keys in order) with contents
    drawn to reach every value rule."""
    product = draw(st.none() | plain_text)
    text = (
        f'{{"event_id":"{draw(plain_text)}","user_id":"{draw(plain_text)}",'
        f'"action":"{draw(st.sampled_from(["view", "click", "purchase", "buy", ""]) | plain_text)}",'
        f'"product_id":{"null" if product is None else chr(34) + product + chr(34)},'
        f'"amount":{draw(amounts)},"event_time":"{draw(event_times)}"}}'
    )
    return text.encode("utf-8", "surrogatepass")


def _drawn(examples: int) -> list[bytes]:
    values: list[bytes] = []

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(canonical_texts())
    def collect(value: bytes) -> None:
        values.append(value)

    collect()
    return values


def test_every_generated_record_in_a_valid_shape_takes_the_fast_path(spark):
    from pyspark.sql import functions as F

    from views.canonical import is_canonical

    records = [
        r for r in generate(SCENARIOS["dirty"], seed=3, events=2_000) if r.kind != "malformed"
    ]
    frame = raw_frame(spark, [r.value for r in records])
    fast = frame.where(is_canonical(F.col("value"), F.col("value").cast("string"))).count()
    assert fast == len(records)


def test_canonical_records_get_the_oracles_verdict(spark):
    from pyspark.sql import functions as F

    from views.canonical import is_canonical

    values = _drawn(3_000)
    rng = random.Random(7)
    # Near misses: one byte of the layout changed, so the strict path judges them.
    values += [
        v.replace(b'":', b'": ', 1) if rng.random() < 0.5 else v + b" " for v in values[:300]
    ]
    frame = raw_frame(spark, values)
    fast = frame.where(is_canonical(F.col("value"), F.col("value").cast("string"))).count()
    oracle = [oracle_verdict(value) for value in values]
    differing = [
        (v, o, s) for v, o, s in zip(values, oracle, spark_verdicts(spark, values), strict=True)
        if o != s
    ]  # fmt: skip
    assert differing[:5] == []
    accepted = sum(verdict[0] is None for verdict in oracle)
    assert fast >= len(values) // 3, "the drawn records must mostly take the fast path"
    assert 0 < accepted < len(values), "both verdicts must be reached"
