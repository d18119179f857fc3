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
from dataclasses import dataclass

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
    "kappa", "tie" or None when not measured), `holds`, and the `sentence`."""

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

    def summary(self, architecture: str) -> dict | None:
        """`{median, min, max, repeats}` of one architecture, None if never measured."""
        values = self.values[architecture]
        if not values:
            return None
        return {"median": statistics.median(values), "min": min(values), "max": max(values),
                "repeats": len(values)}  # fmt: skip


def judge(dimension: Dimension, repeats: dict[int, dict[str, float | None]]) -> Verdict:
    """The verdict of `dimension` from its value per repeat and architecture
    (`{repeat: {"lambda": v, "kappa": v}}`, None where not measured)."""
    values = {name: [r[name] for r in repeats.values() if r.get(name) is not None]
              for name in NAMES}  # fmt: skip
    missing = {name: len(repeats) - len(values[name]) for name in NAMES}
    paired = [
        _compare(dimension, r["lambda"], r["kappa"])
        for r in repeats.values()
        if r.get("lambda") is not None and r.get("kappa") is not None
    ]
    paired = [value for value in paired if value is not None]
    if not paired:
        sentence = _not_measured(dimension, repeats, missing)
        return Verdict(dimension, values, missing, [], None, None, None, None, None, False,
                       sentence)  # fmt: skip
    median = statistics.median(paired)
    low, high, confidence = median_interval(paired)
    equal = 1.0 if dimension.compare == "ratio" else 0.0
    one_sided = low > equal or high < equal
    holds = one_sided and confidence >= MIN_CONFIDENCE
    lambda_better = (median < equal) == (dimension.better == "lower")
    winner = "lambda" if lambda_better else "kappa"
    if median == equal or abs(median - equal) <= SAME_WITHIN[dimension.compare]:
        winner = "tie"
    verdict = Verdict(dimension, values, missing, paired, median, low, high, confidence, winner,
                      holds, "")  # fmt: skip
    return Verdict(**{**verdict.__dict__, "sentence": _sentence(verdict)})


def _compare(dimension: Dimension, lambda_value: float, kappa_value: float) -> float | None:
    if dimension.compare == "difference":
        return lambda_value - kappa_value
    if kappa_value == 0:
        return None if lambda_value != 0 else 1.0
    return lambda_value / kappa_value


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
    d = verdict.dimension
    both = f"Lambda {_value(verdict, 'lambda')}, Kappa {_value(verdict, 'kappa')}"
    if verdict.winner == "tie":
        return f"{d.name}: a tie ({both})."
    winner, loser = (
        NAMES[verdict.winner],
        NAMES["kappa" if verdict.winner == "lambda" else "lambda"],
    )
    if d.compare == "ratio":
        factor = verdict.median if verdict.median >= 1 else 1 / verdict.median
        by = f"{factor:.2f}× {'lower' if d.better == 'lower' else 'higher'} than {loser}"
    else:
        by = f"{abs(verdict.median) * 100:.1f} percentage points above {loser}"
    if d.fixed:
        return f"{d.name}: {winner} wins, {by} ({both}); fixed by the code, not by the run."
    k = len(verdict.paired)
    equal = 1.0 if d.compare == "ratio" else 0.0
    if verdict.holds:
        hold = f"it holds across the {k} repeats ({verdict.confidence * 100:.0f} % interval)"
    elif verdict.low > equal or verdict.high < equal:
        hold = (f"every repeat agrees, but {k} repeat{'s are' if k != 1 else ' is'} too few to "
                "tell")  # fmt: skip
    else:
        hold = f"within the noise of {k} repeat{'s' if k != 1 else ''}: the interval spans equal"
    return f"{d.name}: {winner} wins, {by} ({both}); {hold}."


def _not_measured(dimension: Dimension, repeats: dict, missing: dict[str, int]) -> str:
    if not repeats:
        return f"{dimension.name}: not measured (scenario {dimension.scenario!r} not in the study)."
    never = [NAMES[name] for name, count in missing.items() if count == len(repeats)]
    if len(never) == 1:
        return (f"{dimension.name}: only one side measured; {never[0]} never reached it "
                f"in {len(repeats)} repeat(s).")  # fmt: skip
    return f"{dimension.name}: not measured in any repeat."
