"""The verdict's statistics and sentences, on hand-made values: the order-statistic interval
against the binomial it comes from, winners, ties, noise, and dimensions never reached."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.study.dimensions import DIMENSIONS, dimension_value
from experiments.study.verdict import comparison_text, judge, median_interval

BY_NAME = {dimension.name: dimension for dimension in DIMENSIONS}


def test_three_repeats_give_the_range_at_75_percent() -> None:
    assert median_interval([3.0, 1.0, 2.0]) == (1.0, 3.0, 0.75)


def test_ten_repeats_drop_one_value_at_each_end() -> None:
    """Conover (1999) table A3: with n = 10 the interval [x_(2), x_(9)] has 97.9 %."""
    low, high, confidence = median_interval([float(v) for v in range(1, 11)])
    assert (low, high) == (2.0, 9.0)
    assert confidence == pytest.approx(0.9785, abs=1e-4)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40))
def test_the_confidence_is_the_binomial_mass_between_the_order_statistics(values) -> None:
    low, high, confidence = median_interval(values)
    ordered, k = sorted(values), len(values)
    assert low <= high
    assert ordered[0] <= low <= high <= ordered[-1]
    # whatever j was chosen, its confidence is sum_{i=j}^{k-j} C(k, i) / 2^k for some j >= 1
    masses = {
        round(sum(math.comb(k, i) for i in range(jj, k - jj + 1)) / 2**k, 12)
        for jj in range(1, (k + 1) // 2 + 1)
    }
    assert round(confidence, 12) in masses
    assert confidence >= 0.95 or confidence == max(masses)


def test_kappa_fresher_in_every_repeat_holds() -> None:
    d = BY_NAME["freshness p50"]
    verdict = judge(d, {1: {"lambda": 20.0, "kappa": 10.0}, 2: {"lambda": 30.0, "kappa": 12.0},
                        3: {"lambda": 24.0, "kappa": 11.0}})  # fmt: skip
    assert verdict.winner == "kappa" and verdict.holds
    assert verdict.median == pytest.approx(24 / 11)
    assert "Kappa wins, 2.18× lower than Lambda" in verdict.sentence
    assert "holds across the 3 repeats (75 % interval: 0.25 chance" in verdict.sentence
    assert comparison_text(verdict) == "2.18× (2.00–2.50, 75 %)"


def test_repeats_that_disagree_are_within_noise() -> None:
    d = BY_NAME["recompute time"]
    verdict = judge(d, {1: {"lambda": 8.0, "kappa": 10.0}, 2: {"lambda": 12.0, "kappa": 10.0},
                        3: {"lambda": 9.0, "kappa": 10.0}})  # fmt: skip
    assert verdict.winner == "lambda" and not verdict.holds
    assert "within the noise of 3 repeats" in verdict.sentence


def test_accuracy_compares_in_percentage_points() -> None:
    d = BY_NAME["late data"]
    verdict = judge(d, {1: {"lambda": 1.0, "kappa": 0.96}, 2: {"lambda": 1.0, "kappa": 0.97}})
    assert verdict.winner == "lambda" and not verdict.holds  # 2 repeats: 50 %, too few
    assert comparison_text(verdict) == "+3.5 pp (+3.0 to +4.0, 50 %)"
    assert "3.5 percentage points above Kappa" in verdict.sentence
    assert "every repeat agrees, but 2 repeats are too few to tell" in verdict.sentence


def test_equal_accuracy_is_a_tie() -> None:
    verdict = judge(BY_NAME["accuracy at the end"], {1: {"lambda": 1.0, "kappa": 1.0}})
    assert verdict.winner == "tie" and "a tie" in verdict.sentence


def test_a_side_that_never_gets_there_is_named_and_loses() -> None:
    d = BY_NAME["time to correct after a logic change"]
    verdict = judge(d, {1: {"lambda": 30.0, "kappa": None}, 2: {"lambda": 28.0, "kappa": None}})
    assert verdict.median == 0.0 and verdict.winner == "lambda" and verdict.state == "few"
    assert "Kappa never got there in 2 of 2 repeats" in verdict.sentence
    assert "Kappa never got there in the median repeat" in verdict.sentence


def test_never_in_most_repeats_cannot_win_on_the_one_it_finished() -> None:
    d = BY_NAME["time to correct after a logic change"]
    repeats = {1: {"lambda": 30.0, "kappa": None}, 2: {"lambda": 28.0, "kappa": None},
               3: {"lambda": 30.0, "kappa": 20.0}}  # fmt: skip
    verdict = judge(d, repeats)
    assert verdict.winner == "lambda" and verdict.paired == [0.0, 0.0, 1.5]
    assert verdict.state == "noise"  # the third repeat disagrees


def test_a_zero_is_compared_without_dividing_by_it() -> None:
    verdict = judge(BY_NAME["recovery after a failure"],
                    {1: {"lambda": 5.0, "kappa": 0.0}, 2: {"lambda": 0.0, "kappa": 0.0}})  # fmt: skip
    assert sorted(verdict.paired) == [1.0, float("inf")]
    assert verdict.sentence  # no ZeroDivisionError


def test_an_even_number_of_ratios_has_a_median_symmetric_in_log() -> None:
    d = BY_NAME["recompute time"]
    verdict = judge(d, {1: {"lambda": 1.0, "kappa": 2.0}, 2: {"lambda": 2.0, "kappa": 1.0}})
    assert verdict.median == 1.0 and verdict.winner == "tie"


def test_a_scenario_not_run_is_not_measured() -> None:
    verdict = judge(BY_NAME["recovery after a failure"], {})
    assert "not measured (scenario 'failure' not in the study)" in verdict.sentence


def test_fixed_dimensions_need_no_interval() -> None:
    verdict = judge(BY_NAME["jobs to operate"], {1: {"lambda": 2, "kappa": 1}})
    assert comparison_text(verdict) == "2.00×"
    assert "fixed by the code" in verdict.sentence


def test_a_star_sums_every_component_and_a_missing_one_is_none() -> None:
    metrics = {"peak_rss_bytes:speed": 10.0, "peak_rss_bytes:batch": 5.0, "other": 1.0}
    assert dimension_value(metrics, ("peak_rss_bytes:*",)) == 15.0
    assert dimension_value(metrics, ("missing",)) is None
    assert dimension_value({"peak_rss_bytes:speed": None}, ("peak_rss_bytes:*",)) is None
