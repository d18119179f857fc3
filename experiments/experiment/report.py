"""`report.html` of an experiment: one self-contained page (plotly's JavaScript inlined once, no
network needed) with what the figures show, the figures, the side-by-side table and the
environment. `format_table` prints the same table on the terminal.

`results` is the document the runner writes as results.json:
`{"scenario": {"name", "description"}, "environment": {...}, "metrics": [...], "series": [...],
"latencies": [...], "marks": [{"repeat", "t_s", "what"}]}` (records as in `metrics`).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from core.atomic import write_atomically
from experiments.experiment.findings import findings
from experiments.experiment.plots import all_figures
from experiments.experiment.table import format_table, repeats_of, table_rows

__all__ = ["format_table", "render_report", "write_report"]

PLOT_CONFIG = {"displaylogo": False, "responsive": True}
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: right; }
th:first-child, td:first-child, td.unit, th.unit { text-align: left; }
pre { margin: 0; font-size: 0.9em; }
.figure { margin: 1em 0 2em; }
"""


def _escape(value: object) -> str:
    return html.escape(str(value))


def _metric_table(results: dict) -> str:
    header, rows = table_rows(results)
    cells = "".join(
        f'<th class="unit">{_escape(name)}</th>' if name == "unit" else f"<th>{_escape(name)}</th>"
        for name in header
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td>{_escape(cell)}</td>" for cell in row[:-1])
        + f'<td class="unit">{_escape(row[-1])}</td></tr>'
        for row in rows
    )
    return f'<table id="metrics"><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>'


def _environment(results: dict) -> str:
    rows = []
    for key, value in sorted(results.get("environment", {}).items()):
        if isinstance(value, dict | list):
            shown = (
                f"<pre>{_escape(json.dumps(value, indent=2, sort_keys=True, default=str))}</pre>"
            )
        else:
            shown = _escape(value)
        rows.append(f"<tr><td>{_escape(key)}</td><td class='unit'>{shown}</td></tr>")
    return f'<table id="environment"><tbody>{"".join(rows)}</tbody></table>'


def render_report(results: dict) -> str:
    """The report page as one HTML document (str)."""
    scenario = results.get("scenario", {})
    name = scenario.get("name", "experiment")
    repeats = repeats_of(results)
    parts = [
        f"<h1>Lambda vs Kappa: {_escape(name)}</h1>",
        f"<p>{_escape(scenario.get('description', ''))}</p>",
        f"<p>{repeats} repeat{'s' if repeats != 1 else ''}; "
        + ("figures are medians with min–max.</p>" if repeats > 1 else "one run.</p>"),
        "<h2>What the figures show</h2>",
        "<ul>" + "".join(f"<li>{_escape(line)}</li>" for line in findings(results)) + "</ul>",
    ]
    for index, (title, figure) in enumerate(all_figures(results)):
        parts.append(f"<h2>{_escape(title)}</h2>")
        div = figure.to_html(
            full_html=False,
            include_plotlyjs=index == 0,  # inlined once, before the first figure
            config=PLOT_CONFIG,
            div_id=f"figure-{index}",
        )
        parts.append(f'<div class="figure">{div}</div>')
    parts += [
        "<h2>Every metric</h2>",
        _metric_table(results),
        "<h2>Environment</h2>",
        _environment(results),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Lambda vs Kappa: {_escape(name)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )


def write_report(results: dict, path: Path) -> None:
    """Write the report of `results` to `path` (e.g. DIR/report.html), atomically."""
    page = render_report(results)
    write_atomically(path, lambda temporary: temporary.write_text(page, encoding="utf-8"))
