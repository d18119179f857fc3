"""Property test in Spark: views/parse.py gives the oracle's verdict, reason and typed event on
generated records (`LK_SPARK_VERDICT_EXAMPLES` examples of `records.BATCH` records)."""

from __future__ import annotations

import os
import time

import pytest

from tests.oracle.oracle_cases import oracle_verdict
from tests.oracle.test_vs_spark import spark_verdicts
from tests.verdicts.records import generated

EXAMPLES = int(os.environ.get("LK_SPARK_VERDICT_EXAMPLES", "200"))
"""Hypothesis examples; 200 x BATCH = 20,000 records by default."""


@pytest.mark.slow
def test_the_oracle_and_spark_agree_on_generated_records(spark):
    values = generated(EXAMPLES)
    started = time.perf_counter()
    spark_side = spark_verdicts(spark, values)
    seconds = time.perf_counter() - started
    oracle = [oracle_verdict(value) for value in values]
    differing = [(v, o, s) for v, o, s in zip(values, oracle, spark_side, strict=True) if o != s]
    print(f"\n{len(values)} records ({sum(o[0] is None for o in oracle)} accepted) in Spark")
    print(f"Spark verdicts in {seconds:.1f} s")
    assert differing[:5] == []
    assert len(values) >= 20_000
