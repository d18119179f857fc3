"""A study folder read back: the verdict from each scenario's results.json, study.html (the
verdict table, the sentences, the published results, every figure), `lk study report`, and a
study plan's seeds and sizes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import LkError
from core.settings import REPO_ROOT
from experiments.experiment.retention import retention_topic_config
from experiments.study.dimensions import DIMENSIONS
from experiments.study.gather import load_study, study_verdicts
from experiments.study.plan import StudyPlan
from experiments.study.report import render_study, write_study_report
from tests.experiments.test_experiment_report import external_sources


def _records(values: dict[tuple[str, str, str], list[float]]) -> list[dict]:
    return [
        {"architecture": arch, "metric": metric, "unit": unit, "value": value, "repeat": k}
        for (arch, metric, unit), per_repeat in values.items()
        for k, value in enumerate(per_repeat, start=1)
    ]


def write_study(folder: Path) -> None:
    """A study of two scenarios and three repeats, its figures made by hand."""
    baseline = _records({
        ("lambda", "window_latency_p50_s", "s"): [20.0, 22.0, 21.0],
        ("kappa", "window_latency_p50_s", "s"): [10.0, 11.0, 12.0],
        ("lambda", "accuracy_final", "share"): [1.0, 1.0, 1.0],
        ("kappa", "accuracy_final", "share"): [0.98, 0.99, 0.97],
        ("lambda", "disk_peak_bytes", "bytes"): [3e6, 3.2e6, 3.1e6],
        ("kappa", "disk_peak_bytes", "bytes"): [2e6, 2.1e6, 2.2e6],
        ("kappa", "disk_reprocess_ratio", "x"): [2.1, 1.9, 2.0],
        ("lambda", "disk_reprocess_ratio", "x"): [1.2, 1.1, 1.3],
        ("lambda", "code_lines", "lines"): [1200, 1200, 1200],
        ("kappa", "code_lines", "lines"): [900, 900, 900],
    })  # fmt: skip
    failure = _records({
        ("lambda", "recovery_seconds", "s"): [30.0, 50.0, 20.0],
        ("kappa", "recovery_seconds", "s"): [40.0, 30.0, 25.0],
    })  # fmt: skip
    disk = [{"repeat": 1, "t_s": t, "architecture": a, "bytes": b}
            for t in (0.0, 1.0) for a, b in (("lambda", 1e6), ("kappa", 2e6), ("shared", 5e5))]  # fmt: skip
    for name, metrics in (("baseline", baseline), ("failure", failure)):
        (folder / name).mkdir(parents=True)
        runs = [{"repeat": k, "ended_by": "settled"} for k in (1, 2, 3)]
        document = {"scenario": {"name": name, "description": f"the {name} <scenario>"},
                    "metrics": metrics, "runs": runs, "disk": disk if name == "baseline" else []}  # fmt: skip
        (folder / name / "results.json").write_text(json.dumps(document))
    study = {
        "plan": {"repeat": 3, "seed": 7},
        "where": {
            "bootstrap": "127.0.0.1:9092",
            "brokers": 3,
            "spark_master": "local[2]",
            "cores": 2,
        },  # fmt: skip
        "started": "2026-12-07T17:00:00+00:00",
        "finished": "2026-12-07T17:30:00+00:00",
        "scenarios": [{"name": n, "results": f"{n}/results.json"} for n in ("baseline", "failure")]
        + [{"name": "dirty", "results": "dirty/results.json"}],  # listed, never written
    }
    (folder / "study.json").write_text(json.dumps(study))


def test_the_verdict_traces_to_the_results(tmp_path: Path) -> None:
    write_study(tmp_path)
    _, results = load_study(tmp_path)
    assert set(results) == {"baseline", "failure"}
    verdicts = {v.dimension.name: v for v in study_verdicts(results)}
    assert list(verdicts) == [d.name for d in DIMENSIONS]
    fresh = verdicts["freshness p50"]
    assert fresh.paired == [2.0, 2.0, 21 / 12] and fresh.winner == "kappa" and fresh.holds
    assert verdicts["accuracy at the end"].winner == "lambda"
    assert not verdicts["recovery after a failure"].holds  # 0.75, 1.67, 0.8: within noise
    assert "not in the study" in verdicts["duplicates and bad records"].sentence
    assert verdicts["disk while reprocessing"].summary("kappa")["median"] == 2.0


def test_the_page_holds_the_verdict_sentences_figures_and_published(tmp_path: Path) -> None:
    write_study(tmp_path)
    page = render_study(tmp_path)
    assert page.count("<tr>") >= len(DIMENSIONS) + 1
    assert 'id="verdict"' in page and 'id="published"' in page
    for index in range(3):  # ratios, differences, disk bytes
        assert f'id="study-figure-{index}"' in page
    assert [s for s in external_sources(page) if "//" in s] == []  # plotly inlined: offline
    assert "Kappa wins, 2.00× lower than Lambda" in page  # freshness p50: median of 2, 2, 1.75
    assert "Kreps" in page and "agrees" in page  # Kappa's reprocess ratio 2.0 against 2
    assert "the baseline &lt;scenario&gt;" in page
    assert '<a href="baseline/report.html">' in page
    assert "3 broker(s)" in page


def test_lk_study_report_prints_the_table_and_writes_the_page(tmp_path: Path) -> None:
    write_study(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "lk", "study", "report", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "freshness p50" in done.stdout and "2.00× (1.75–2.00, 75 %)" in done.stdout
    assert (tmp_path / "study.html").is_file()


def test_a_folder_without_a_study_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lk", "study", "report", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "no study in" in done.stderr and "Traceback" not in done.stderr
    with pytest.raises(LkError):
        write_study_report(tmp_path)


def test_each_scenario_and_repeat_gets_its_own_stream() -> None:
    plan = StudyPlan(scenarios=("baseline", "burst"), repeat=3, share=0.25, seed=7)
    baseline, burst = plan.experiment_plan("baseline"), plan.experiment_plan("burst")
    assert baseline.seed != burst.seed
    assert baseline.seed == StudyPlan(seed=7).scenario_seed("baseline")  # stable
    assert [baseline.seed_of(k) for k in (1, 2, 3)] == [baseline.seed + k for k in (0, 1, 2)]
    assert baseline.events == 3000 and burst.events == 39_000 and burst.rate == 100.0  # whole
    assert StudyPlan(scenarios=("baseline",), events=500).experiment_plan("baseline").events == 500


def test_only_scenarios_a_dimension_reads_a_rebuild_of_end_with_one() -> None:
    plan = StudyPlan()
    assert "retention" in plan.scenarios  # the study covers it (item 4 of the study's issue)
    recomputed = {name for name in plan.scenarios if plan.experiment_plan(name).recompute}
    assert recomputed == {"baseline", "retention"}
    assert retention_topic_config(15.0, None) == {}
    assert retention_topic_config(15.0, 0.5) == {"segment.ms": "1250"}  # a twelfth
    assert retention_topic_config(1.0, 0.5) == {"segment.ms": "500"}  # never shorter


def test_a_plan_refuses_unknown_and_file_scenarios() -> None:
    with pytest.raises(LkError, match="unknown experiment scenario"):
        StudyPlan(scenarios=("nope",))
    with pytest.raises(LkError, match="replays a data file"):
        StudyPlan(scenarios=("real",))


@pytest.mark.slow
def test_the_study_page_renders_offline_in_headless_chromium(tmp_path: Path) -> None:
    from playwright import sync_api  # a missing install fails here, as a missing broker would

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed (apt-get install -y chromium)"
    write_study(tmp_path)
    path = write_study_report(tmp_path)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route(re.compile(r"^https?://"), lambda route: route.abort())  # offline
            page.goto(path.as_uri())
            page.wait_for_selector("#study-figure-2 .main-svg", timeout=30_000)
            plots = page.eval_on_selector_all(
                ".js-plotly-plot",
                "plots => plots.map(p => [p.getBoundingClientRect().width,"
                " p.getBoundingClientRect().height, p.querySelectorAll('.trace').length])",
            )
            rows = page.eval_on_selector_all("#verdict tbody tr", "rows => rows.length")
            published = page.eval_on_selector_all("#published tbody tr", "rows => rows.length")
        finally:
            browser.close()
    assert len(plots) == 3
    assert all(width > 100 and height > 100 and traces > 0 for width, height, traces in plots)
    assert rows == len(DIMENSIONS) and published >= 5


def test_the_docs_list_every_dimension() -> None:
    docs = (REPO_ROOT / "docs" / "study.md").read_text(encoding="utf-8")
    for dimension in DIMENSIONS:
        assert f"| {dimension.name} | {dimension.scenario} |" in docs, dimension.name


def test_a_repeat_that_did_not_settle_is_left_out(tmp_path: Path) -> None:
    write_study(tmp_path)
    path = tmp_path / "baseline" / "results.json"
    document = json.loads(path.read_text())
    document["runs"][2]["ended_by"] = "timeout after 600 s"
    path.write_text(json.dumps(document))
    _, results = load_study(tmp_path)
    fresh = {v.dimension.name: v for v in study_verdicts(results)}["freshness p50"]
    assert fresh.paired == [2.0, 2.0]


def test_a_folder_of_another_plan_is_refused_not_mixed(tmp_path: Path) -> None:
    from experiments.study.run import _complete

    plan = StudyPlan(scenarios=("baseline",), repeat=2, events=100)
    experiment = plan.experiment_plan("baseline")
    (tmp_path / "results.json").write_text(json.dumps({
        "environment": {"seed": experiment.seed, "parameters": {
            "events": 100, "rate": experiment.rate, "batch_interval": 20.0, "repeat": 2}},
        "runs": [{"repeat": 1}, {"repeat": 2}],
    }))  # fmt: skip
    assert _complete(tmp_path, experiment) is True
    with pytest.raises(LkError, match="holds results of another plan"):
        _complete(tmp_path, StudyPlan(scenarios=("baseline",), repeat=2, events=200)
                  .experiment_plan("baseline"))  # fmt: skip
