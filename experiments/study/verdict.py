"""The verdict on one dimension: Lambda and Kappa over the repeats, their paired comparison with
an interval, and a sentence saying who wins, by how much, and whether it holds.

**Paired.** In each repeat both architectures ran at once on the same stream, so the comparison
is per repeat: the ratio Lambda ÷ Kappa (or the difference Lambda − Kappa) of that repeat.

**The interval** is the distribution-free confidence interval of the median paired comparison
from order statistics (the sign test's interval; Conover, *Practical Nonparametric Statistics*,
3rd ed., 1999, §3.2): with K repeats sorted, [x_(j), x_(K−j+1)] covers the median with
probability 1 − 2·P(Binomial(K, ½) ≤ j − 1). j is the largest giving at least 95 %; with 5
repeats or fewer even j = 1 (the smallest to the largest) gives less (3 repeats: 75 %, 5:
93.75 %), and the confidence printed says so. Why not a bootstrap: with 3–5 repeats it
resamples so few values that its percentile interval is narrower than the data justify, and it
assumes nothing the exact interval does not already use (independent repeats).

**Holds** when the whole interval lies on one side of "equal" (ratio 1, difference 0) and its
confidence is at least MIN_CONFIDENCE (3 repeats): every repeat, or at least the central ones,
agree on the winner. One-sided with fewer repeats: too few to tell. Otherwise the difference is
within the noise of this many repeats.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from experiments.experiment.table import format_value
from experiments.study.dimensions import Dimension

CONFIDENCE = 0.95
"""The confidence the interval aims at (reached from 6 repeats on)."""
MIN_CONFIDENCE = 0.75
"""The least confidence a difference must have to hold: 3 repeats that agree (2 give 50 %)."""
SAME_WITHIN = {"ratio": 0.05, "difference": 0.005}
"""A median comparison this close to equal (ratio within 5 %, difference within half a
percentage point) is called a tie even when it holds: too small to matter to a user."""
NAMES = {"lambda": "Lambda", "kappa": "Kappa"}


def median_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """`(low, high, confidence)`: the order-statistic interval of the median of `values` (see
    the module's docstring). ValueError for no values."""
    ordered = sorted(values)
    k = len(ordered)
    if k == 0:
        raise ValueError("no values")

    def coverage(j: int) -> float:
        return 1 - 2 * sum(math.comb(k, i) for i in range(j)) / 2**k

    j = 1
    while j + 1 <= (k + 1) // 2 and coverage(j + 1) >= CONFIDENCE:
        j += 1
    return ordered[j - 1], ordered[k - j], coverage(j)


@dataclass(frozen=True)
class Verdict:
    """One dimension's row: per architecture the median and [min, max] over repeats (None when
    not measured), the paired comparisons, their median and interval, `winner` ("lambda",
    "kappa", "tie" or None when not measured), `holds`, the `sentence`, and `state`: "holds",
    "few" (every repeat agrees but they are too few), "noise", "tie", "fixed" or "not
    measured"."""

    dimension: Dimension
    values: dict[str, list[float]]
    missing: dict[str, int]
    paired: list[float]
    median: float | None
    low: float | None
    high: float | None
    confidence: float | None
    winner: str | None
    holds: bool
    sentence: str
    state: str

    def summary(self, architecture: str) -> dict | None:
        """`{median, min, max, repeats}` of one architecture, None if never measured."""
        values = self.values[architecture]
        if not values:
            return None
        return {"median": statistics.median(values), "min": min(values), "max": max(values),
                "repeats": len(values)}  # fmt: skip


def judge(dimension: Dimension, repeats: dict[int, dict[str, float | None]]) -> Verdict:
    """The verdict of `dimension` from its value per repeat and architecture
    (`{repeat: {"lambda": v, "kappa": v}}`, None where not measured or never reached).

    A repeat where one side never reached the figure (e.g. never correct after the change) and
    the other did counts as the worst comparison for the side that never did (a ratio of 0 or
    infinity), so a side that fails in most repeats cannot win on the one it finished."""
    values = {name: [r[name] for r in repeats.values() if r.get(name) is not None]
              for name in NAMES}  # fmt: skip
    missing = {name: len(repeats) - len(values[name]) for name in NAMES}
    paired = [
        value
        for r in repeats.values()
        if (value := _compare(dimension, r.get("lambda"), r.get("kappa"))) is not None
    ]
    if not paired:
        sentence = _not_measured(dimension, repeats, missing)
        return Verdict(dimension, values, missing, [], None, None, None, None, None, False,
                       sentence, "not measured")  # fmt: skip
    median = _median(paired, dimension.compare)
    low, high, confidence = median_interval(paired)
    equal = 1.0 if dimension.compare == "ratio" else 0.0
    one_sided = low > equal or high < equal
    holds = one_sided and confidence >= MIN_CONFIDENCE
    lambda_better = (median < equal) == (dimension.better == "lower")
    winner = "lambda" if lambda_better else "kappa"
    if _near_equal(median, dimension.compare):
        winner = "tie"
    state = ("fixed" if dimension.fixed else "tie" if winner == "tie" else "holds" if holds
             else "few" if one_sided else "noise")  # fmt: skip
    verdict = Verdict(dimension, values, missing, paired, median, low, high, confidence, winner,
                      holds, "", state)  # fmt: skip
    return replace(verdict, sentence=_sentence(verdict))


def _compare(
    dimension: Dimension, lambda_value: float | None, kappa_value: float | None
) -> float | None:
    """One repeat's comparison; None when neither side has a value (or a difference lacks one)."""
    if lambda_value is None and kappa_value is None:
        return None
    if dimension.compare == "difference":
        if lambda_value is None or kappa_value is None:
            return None
        return lambda_value - kappa_value
    lower = dimension.better == "lower"
    if lambda_value is None:  # Lambda never got there: the worst ratio for Lambda
        return math.inf if lower else 0.0
    if kappa_value is None:
        return 0.0 if lower else math.inf
    if kappa_value == 0:
        return 1.0 if lambda_value == 0 else math.inf
    return lambda_value / kappa_value


def _median(values: list[float], compare: str) -> float:
    """The median; of an even number of ratios, the geometric mean of the middle two (the
    median of the logarithms, so Lambda ÷ Kappa and Kappa ÷ Lambda give reciprocal medians);
    1 (equal) when they are 0 and infinity."""
    if compare != "ratio" or len(values) % 2:
        return statistics.median(values)
    ordered = sorted(values)
    a, b = ordered[len(values) // 2 - 1], ordered[len(values) // 2]
    product = a * b
    return 1.0 if math.isnan(product) else math.sqrt(product)


def _near_equal(median: float, compare: str) -> bool:
    if compare == "difference":
        return abs(median) <= SAME_WITHIN["difference"]
    if median <= 0 or math.isinf(median):
        return False
    return abs(math.log(median)) <= math.log(1 + SAME_WITHIN["ratio"])


def comparison_text(verdict: Verdict) -> str:
    """The median comparison and its interval as the table shows them, e.g. "0.62× (0.55–0.70,
    75 %)" or "+1.2 pp (0.4–2.0, 75 %)"; "—" when not measured."""
    if verdict.median is None:
        return "—"
    if verdict.dimension.compare == "ratio":
        text = f"{verdict.median:.2f}×"
        spread = f"{verdict.low:.2f}–{verdict.high:.2f}"
    else:
        text = f"{verdict.median * 100:+.1f} pp"
        spread = f"{verdict.low * 100:+.1f} to {verdict.high * 100:+.1f}"
    if verdict.dimension.fixed:
        return text
    return f"{text} ({spread}, {verdict.confidence * 100:.0f} %)"


def _value(verdict: Verdict, name: str) -> str:
    summary = verdict.summary(name)
    unit = verdict.dimension.unit
    if summary is None:
        return "not measured"
    if unit == "share":
        return f"{summary['median'] * 100:.1f} %"
    shown = format_value(summary["median"], unit)
    return f"{shown} {'MiB' if unit == 'bytes' else unit}"


def _sentence(verdict: Verdict) -> str:
    dimension = verdict.dimension
    both = f"Lambda {_value(verdict, 'lambda')}, Kappa {_value(verdict, 'kappa')}"
    never = "".join(
        f"; {NAMES[name]} never got there in {count} of {len(verdict.paired)} repeats"
        for name, count in verdict.missing.items()
        if count and verdict.values["kappa" if name == "lambda" else "lambda"]
    )
    if verdict.winner == "tie":
        return f"{dimension.name}: a tie ({both}{never})."
    winner = NAMES[verdict.winner]
    loser = NAMES["kappa" if verdict.winner == "lambda" else "lambda"]
    median = verdict.median
    if dimension.compare == "difference":
        side = "above" if dimension.better == "higher" else "below"
        by = f"{abs(median) * 100:.1f} percentage points {side} {loser}"
    elif 0 < median < math.inf:
        factor = median if median >= 1 else 1 / median
        by = f"{factor:.2f}× {'lower' if dimension.better == 'lower' else 'higher'} than {loser}"
    else:
        by = f"{loser} never got there in the median repeat"
    if dimension.fixed:
        return f"{dimension.name}: {winner} wins, {by} ({both}); fixed by the code, not the run."
    k, confidence = len(verdict.paired), f"{verdict.confidence * 100:.0f} %"
    if verdict.state == "holds":
        hold = (f"it holds across the {k} repeats ({confidence} interval: {1 - verdict.confidence:.2g}"
                " chance of this with no real difference)")  # fmt: skip
    elif verdict.state == "few":
        hold = f"every repeat agrees, but {k} repeat{'s are' if k != 1 else ' is'} too few to tell"
    else:
        hold = f"within the noise of {k} repeat{'s' if k != 1 else ''}: the interval spans equal"
    return f"{dimension.name}: {winner} wins, {by} ({both}{never}); {hold}."


def _not_measured(dimension: Dimension, repeats: dict, missing: dict[str, int]) -> str:
    if not repeats:
        return f"{dimension.name}: not measured (scenario {dimension.scenario!r} not in the study)."
    never = [NAMES[name] for name, count in missing.items() if count == len(repeats)]
    if len(never) == 1:
        return (f"{dimension.name}: only one side measured; {never[0]} never reached it "
                f"in {len(repeats)} repeat(s).")  # fmt: skip
    return f"{dimension.name}: not measured in any repeat."
