"""The limits of the contract, the same in views/validation.py, views/parse.py and the
oracle (oracle/), on both sides of each limit."""

from __future__ import annotations

import pytest

from tests.oracle.oracle_cases import oracle_verdict
from tests.oracle.test_validation import python_verdict
from tests.oracle.test_vs_spark import spark_verdicts
from tests.verdicts.limits import LIMITS
from views.events import MAX_RECORD_BYTES


def test_the_records_sit_on_the_limits():
    sizes = {limit.label: len(limit.value) for limit in LIMITS}
    assert sizes["record of 1,000,000 bytes"] == MAX_RECORD_BYTES
    assert sizes["record of 1,000,001 bytes"] == MAX_RECORD_BYTES + 1


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: limit.label)
def test_the_python_validator_applies_each_limit(limit):
    assert python_verdict(limit.value)[0] == limit.reason


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: limit.label)
def test_the_oracle_applies_each_limit(limit):
    assert oracle_verdict(limit.value) == python_verdict(limit.value)
    assert oracle_verdict(limit.value)[0] == limit.reason


@pytest.mark.slow
def test_spark_applies_each_limit_as_python_does(spark):
    values = [limit.value for limit in LIMITS]
    assert spark_verdicts(spark, values) == [python_verdict(value) for value in values]
