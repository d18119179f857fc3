"""The verdict table: one row per dimension, as cells the page and the terminal both show."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from experiments.experiment.table import display_unit, format_value
from experiments.study.verdict import NAMES, Verdict, comparison_text

HEADER = ("dimension", "scenario", "Lambda", "Kappa", "unit", "Lambda vs Kappa", "winner",
          "holds")  # fmt: skip
"""Columns of the table; "Lambda vs Kappa" is the median paired ratio (×) or difference (pp)
with its interval and confidence."""


def _cell(verdict: Verdict, name: str) -> str:
    summary = verdict.summary(name)
    if summary is None:
        other = verdict.values["kappa" if name == "lambda" else "lambda"]
        return "never" if verdict.missing[name] and other else "—"
    unit = verdict.dimension.unit
    scale = 100 if unit == "share" else 1
    text = (f"{summary['median'] * scale:.1f}" if unit == "share"
            else format_value(summary["median"], unit))  # fmt: skip
    if summary["repeats"] > 1 and summary["min"] != summary["max"] and not verdict.dimension.fixed:
        if unit == "share":
            low, high = f"{summary['min'] * 100:.1f}", f"{summary['max'] * 100:.1f}"
        else:
            low = format_value(summary["min"], unit, like=summary["median"])
            high = format_value(summary["max"], unit, like=summary["median"])
        text += f" ({low}–{high})"
    if verdict.missing[name]:
        text += f" [{verdict.missing[name]} never]"
    return text


def _holds(verdict: Verdict) -> str:
    """ "yes", "noise", "few" (every repeat agrees, too few of them) or "—"."""
    return {"holds": "yes", "noise": "noise", "few": "few"}.get(verdict.state, "—")


def verdict_rows(verdicts: list[Verdict]) -> list[tuple[str, ...]]:
    """One row of HEADER's cells per verdict (medians with min–max over repeats; shares in %)."""
    rows = []
    for verdict in verdicts:
        d = verdict.dimension
        unit = "%" if d.unit == "share" else display_unit(d.unit)
        winner = NAMES.get(verdict.winner or "", verdict.winner or "—")
        holds = _holds(verdict)
        rows.append((d.name, d.scenario, _cell(verdict, "lambda"), _cell(verdict, "kappa"), unit,
                     comparison_text(verdict), winner, holds))  # fmt: skip
    return rows


def format_verdict_table(verdicts: list[Verdict], width: int = 160) -> str:
    """The verdict table as text (rich), for the terminal."""
    table = Table(title="Lambda vs Kappa: the verdict", show_lines=False)
    for name in HEADER:
        table.add_column(name, justify="left" if name in ("dimension", "scenario") else "right")
    for row in verdict_rows(verdicts):
        table.add_row(*row)
    buffer = io.StringIO()
    Console(file=buffer, width=width, no_color=True).print(table)
    return buffer.getvalue()
