"""The report: a self-contained page with the figures, the table, the environment and sentences
computed from the figures; the terminal table with medians and min–max; the page renders in
headless Chromium."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from experiments.experiment.metrics import served_metrics
from experiments.experiment.plots import latency_figure
from experiments.experiment.report import format_table, render_report, write_report
from tests.experiments.test_experiment_metrics import tables

RUNNER_METRICS = [  # architecture, metric, unit, value per repeat
    ("lambda", "recompute_seconds", "s", [40.0, 44.0]),
    ("kappa", "recompute_seconds", "s", [60.0, 58.0]),
    ("lambda", "recompute_events_per_s", "events/s", [2500, 2300]),
    ("kappa", "recompute_events_per_s", "events/s", [1700, 1750]),
    ("lambda", "late_events_dropped", "events", [0, 0]),
    ("kappa", "late_events_dropped", "events", [12, 14]),
    ("lambda", "cpu_seconds:batch", "s", [30.0, 31.0]),
    ("lambda", "cpu_seconds:speed", "s", [20.0, 22.0]),
    ("kappa", "cpu_seconds:kappa", "s", [35.0, 35.0]),
    ("shared", "cpu_seconds:kafka", "s", [10.0, 12.0]),
    ("lambda", "peak_rss_bytes:speed", "bytes", [512 * 2**20, 600 * 2**20]),
    ("kappa", "peak_rss_bytes:kappa", "bytes", [700 * 2**20, 700 * 2**20]),
    ("shared", "peak_rss_bytes:kafka", "bytes", [300 * 2**20, 310 * 2**20]),
]


def results(repeats: int = 2) -> dict:
    """A results document of `repeats` repeats of the hand-made run of the metrics tests."""
    changes, samples, truth = tables()
    document = {
        "scenario": {"name": "late-data", "description": "Devices <offline> for minutes."},
        "environment": {"cores": 2, "seed": 7, "parameters": {"rate": 200}},
        "metrics": [],
        "series": [],
        "latencies": [],
        "marks": [],
    }
    for repeat in range(repeats):
        records = served_metrics(changes, samples, truth, repeat=repeat, started=100.0)
        for part in ("metrics", "series", "latencies"):
            document[part] += records[part]
        document["marks"] += [
            {"repeat": repeat, "t_s": 3.0, "what": "batch run"},
            {"repeat": repeat, "t_s": 4.5, "what": "kill speed"},
        ]
        document["metrics"] += [
            {"architecture": a, "metric": m, "unit": u, "value": v[repeat], "repeat": repeat}
            for a, m, u, v in RUNNER_METRICS
        ]
    return document


class _Sources(HTMLParser):
    """The src and href attributes of the page's elements (script text is not parsed)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value or "" for name, value in attrs if name in ("src", "href")]


def external_sources(page: str) -> list[str]:
    """Element sources that point anywhere but into the page itself."""
    parser = _Sources()
    parser.feed(page)
    return [source for source in parser.found if not source.startswith("#")]


def test_external_sources_are_found():
    page = '<script src="https://cdn.example/p.js"></script><link href="//x/s.css"><a href="#m">'
    assert external_sources(page) == ["https://cdn.example/p.js", "//x/s.css"]


def test_terminal_table_shows_each_metric_with_median_and_min_max():
    text = format_table(results())
    lines = {line.split()[1]: line for line in text.splitlines() if line.startswith("│ ")}
    assert "42.0 (40.0–44.0)" in lines["recompute_seconds"]
    assert "59.0 (58.0–60.0)" in lines["recompute_seconds"]
    assert "556 (512–600)" in lines["peak_rss_bytes:speed"]  # MiB
    assert "30.5 (30.0–31.0)" in lines["cpu_seconds:batch"]
    assert "MiB" in lines["peak_rss_bytes:kafka"] and "305" in lines["peak_rss_bytes:kafka"]
    assert "0.571" in lines["accuracy_final"] and "1.000" in lines["accuracy_final"]
    assert "(" not in lines["accuracy_final"]  # the same in both repeats: no range
    assert "13 (12–14)" in lines["late_events_dropped"]
    assert "median (min–max) of 2 repeats" in text
    header = next(line for line in text.splitlines() if "metric" in line)
    assert header.index("lambda") < header.index("kappa") < header.index("shared")
    single = format_table(results(repeats=1))
    assert "42" not in single and "40.0" in single and "one run" in single


def test_report_is_one_offline_page_with_figures_table_and_findings(tmp_path):
    path = tmp_path / "out" / "report.html"
    write_report(results(), path)
    page = path.read_text(encoding="utf-8")
    assert not external_sources(page)  # nothing fetched
    assert page.count("<script") >= 5 and len(page) > 3_000_000  # plotly.js inlined ...
    assert page.count("window.PlotlyConfig") == 1  # ... once
    for index in range(5):  # accuracy, per view, latency, recompute, resources
        assert f'id="figure-{index}"' in page
    assert '<table id="metrics">' in page and "window_latency_p99_s" in page
    assert "Devices &lt;offline&gt; for minutes." in page  # text is escaped
    assert "&quot;rate&quot;: 200" in page  # nested environment values as JSON
    assert "kill speed" in page and "batch run" in page


def test_findings_state_the_figures_of_this_run():
    page = render_report(results())
    assert (
        "At the end Lambda served 57.1 % of the oracle&#x27;s rows exactly and Kappa 100.0 %"
        in page
    )
    assert "Kappa ended with 3 rows right that Lambda still served wrong" in page
    assert "Lambda also served 1 row(s) the oracle does not have" in page
    # from "batch run" at 3 s: Lambda's accuracy before it (2 s: 2/5) and before the kill (4 s: 3/6)
    assert "Between batch run (3 s) and 4 s, accuracy went Lambda 0.400 → 0.500" in page
    assert "Kappa&#x27;s replay took 1.40× Lambda&#x27;s time" in page  # 59 / 42
    assert "2,400 events/s for the batch recompute and 1,725 events/s for the replay" in page
    assert "Late events dropped: 0 by Lambda, 13 by Kappa." in page
    assert "Lambda never served 33.3 % of the windows right." in page
    cpu = "components used 51.5 CPU seconds, Kappa&#x27;s 35.0, the shared components 11.0"
    assert cpu in page
    assert "time_to_correct" not in page  # not measured in this run: no sentence, no row


def test_report_of_a_run_with_no_figures_still_writes_a_page(tmp_path):
    empty = {"scenario": {"name": "baseline", "description": ""}, "environment": {},
             "metrics": [], "series": [], "latencies": [], "marks": []}  # fmt: skip
    write_report(empty, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    assert "Lambda vs Kappa: baseline" in page and "figure-0" not in page


@pytest.mark.slow
def test_report_renders_in_headless_chromium(tmp_path):
    from playwright import sync_api  # a missing install fails here, as a missing broker would

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed (apt-get install -y chromium)"
    path = tmp_path / "report.html"
    write_report(results(), path)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route(re.compile(r"^https?://"), lambda route: route.abort())  # offline
            page.goto(Path(path).as_uri())
            page.wait_for_selector("#figure-4 .main-svg", timeout=30_000)
            sizes = page.eval_on_selector_all(
                ".js-plotly-plot",
                "plots => plots.map(p => [p.getBoundingClientRect().width,"
                " p.getBoundingClientRect().height, p.querySelectorAll('.trace').length])",
            )
            rows = page.eval_on_selector_all("#metrics tbody tr", "rows => rows.length")
        finally:
            browser.close()
    assert len(sizes) == 5
    assert all(width > 100 and height > 100 and traces > 0 for width, height, traces in sizes)
    assert rows == 19  # 9 metrics of served_metrics, 10 of the runner


def test_latency_curve_ends_below_one_by_the_share_never_right():
    figure = latency_figure(results())
    curves = {trace.name.split()[0]: trace for trace in figure.data}
    assert curves["lambda"].y[0] == 0.0 and curves["lambda"].y[-1] == pytest.approx(8 / 12)
    assert curves["kappa"].y[-1] == 1.0
    assert curves["lambda"].x[-1] == curves["kappa"].x[-1] == 6.0  # flat up to the largest latency
    assert "4 of 12 never right" in curves["lambda"].name
