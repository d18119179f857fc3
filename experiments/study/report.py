"""`study.html`: one self-contained page (plotly's JavaScript inlined once, no network needed)
with the verdict table, the plain sentences, the figures, the published results beside ours,
where the study ran and a link to each scenario's own report. `lk study report` prints the same
table on the terminal."""

from __future__ import annotations

import html
import json
from pathlib import Path

from core.atomic import write_atomically
from experiments.experiment.report import PLOT_CONFIG, STYLE
from experiments.study.files import REPORT_FILE
from experiments.study.gather import load_study, study_verdicts
from experiments.study.plots import comparison_figure, disk_figure
from experiments.study.published import PUBLISHED, agreement
from experiments.study.table import HEADER, format_verdict_table, verdict_rows
from experiments.study.verdict import Verdict
from experiments.study.verdict import __doc__ as VERDICT_RULES

VERDICT_STYLE = (
    "#verdict td { white-space: nowrap; }"
    " #published td, #published th { vertical-align: top; text-align: left; }"
)


def _escape(value: object) -> str:
    return html.escape(str(value))


def _table(table_id: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{_escape(name)}</th>" for name in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _published(verdicts: list[Verdict]) -> str:
    by_name = {verdict.dimension.name: verdict for verdict in verdicts}
    rows = []
    for entry in PUBLISHED:
        word, ours = agreement(entry, by_name.get(entry.dimension))
        rows.append((entry.source, entry.setup, entry.claim, entry.dimension, ours, word,
                     entry.differs))  # fmt: skip
    return _table(
        "published",
        ("source", "set-up", "published", "our nearest", "ours", "agrees?", "why they may differ"),
        rows,
    )


def render_study(folder: Path) -> str:
    """The study page of the study in `folder` as one HTML document (str). LkError (one line)
    if its study.json is missing."""
    study, results = load_study(folder)
    verdicts = study_verdicts(results)
    plan, where = study.get("plan", {}), study.get("where", {})
    ran = (f"{len(results)} of {len(study.get('scenarios', []))} scenario(s), "
           f"{plan.get('repeat')} repeat(s) each, seed {plan.get('seed')}; Kafka at "
           f"{where.get('bootstrap')} ({where.get('brokers')} broker(s)), Spark "
           f"{where.get('spark_master')}, {where.get('cores')} cores")  # fmt: skip
    parts = [
        "<h1>Lambda vs Kappa: the study</h1>",
        f"<p id='where'>{_escape(ran)}; {_escape(study.get('started'))} to "
        f"{_escape(study.get('finished', 'unfinished'))}.</p>",
        "<h2>The verdict</h2>",
        _table("verdict", HEADER, verdict_rows(verdicts)),
        "<ul id='sentences'>"
        + "".join(f"<li>{_escape(v.sentence)}</li>" for v in verdicts)
        + "</ul>",
        f"<details><summary>How the verdict is reached</summary><pre>{_escape(VERDICT_RULES)}"
        "</pre></details>",
    ]
    figures = [
        comparison_figure(verdicts, "ratio"),
        comparison_figure(verdicts, "difference"),
        disk_figure(results.get("baseline") or next(iter(results.values()), None)),
    ]
    shown = [figure for figure in figures if figure is not None]
    for index, figure in enumerate(shown):
        div = figure.to_html(full_html=False, include_plotlyjs=index == 0, config=PLOT_CONFIG,
                             div_id=f"study-figure-{index}")  # fmt: skip
        parts.append(f'<div class="figure">{div}</div>')
    parts += ["<h2>Published results beside ours</h2>", _published(verdicts)]
    links = "".join(
        f'<li><a href="{_escape(name)}/report.html">{_escape(name)}</a>: '
        f"{_escape(data.get('scenario', {}).get('description', ''))}</li>"
        for name, data in results.items()
    )
    parts += ["<h2>Each scenario's report</h2>", f"<ul id='scenarios'>{links}</ul>"]
    parts += ["<h2>Where it ran</h2>",
              f"<pre id='environment'>{_escape(json.dumps(study, indent=2, default=str))}</pre>"]  # fmt: skip
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Lambda vs Kappa: the study</title><style>{STYLE}{VERDICT_STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )


def write_study_report(folder: Path) -> Path:
    """Write `folder/study.html` atomically; its path."""
    page = render_study(folder)
    path = folder / REPORT_FILE
    write_atomically(path, lambda temporary: temporary.write_text(page, encoding="utf-8"))
    return path


def study_table(folder: Path) -> str:
    """The verdict table of the study in `folder`, as text."""
    _, results = load_study(folder)
    return format_verdict_table(study_verdicts(results))
