"""The study DAG: it parses light, offers every study scenario in its trigger form with the
sizes' defaults, and its task names each scenario as it starts, then reports progress at most
every 10 s and at each phase. No study runs here (tests/study/ runs a tiny one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import LkError
from core.settings import Settings
from experiments.study.from_airflow import _per_scenario, run_from_params, study_plan
from experiments.study.plan import SIZES, STUDY_SCENARIOS, StudyPlan
from tests.dags.dagbag import parse_dag


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(data_dir=tmp_path / "lk-data", bootstrap="127.0.0.1:1")


def test_the_study_dag_offers_every_study_scenario_and_imports_nothing_heavy(settings):
    parsed = parse_dag(settings, "study")
    assert parsed["import_errors"] == {}
    assert "study" in parsed["dag_ids"] and "experiment" in parsed["dag_ids"]
    assert parsed["downstream"] == {"run_study": []}
    assert parsed["retries"] == {"run_study": 0}
    assert parsed["schedule"] is None and parsed["heavy_modules"] == []
    assert parsed["max_active_runs"] == 1 and parsed["catchup"] is False
    params = parsed["params"]
    assert params["scenarios"] == list(STUDY_SCENARIOS) and "real" not in params["scenarios"]
    assert params["quick"] is False and params["seed"] == 7
    assert params["repeat"] is params["events"] is params["rate"] is None
    assert params["batch_interval"] is None
    assert all(parsed["param_descriptions"].values())
    assert "study.html" in parsed["task_docs"]["run_study"]
    assert "LK_DATA_DIR/studies/<run id>/" in parsed["doc_md"] and "study.html" in parsed["doc_md"]


def test_the_form_gives_the_plan_of_lk_study_run():
    assert study_plan({}) == StudyPlan()
    quick = SIZES["quick"]
    assert study_plan({"quick": True, "seed": 0}) == StudyPlan(
        repeat=quick.repeat, share=quick.share, batch_interval=quick.batch_interval, seed=0
    )
    chosen = {"scenarios": ["burst", "baseline"], "repeat": 1, "events": 50, "rate": 25,
              "seed": 3, "batch_interval": 5}  # fmt: skip
    assert study_plan(chosen) == StudyPlan(
        scenarios=("burst", "baseline"), repeat=1, events=50, rate=25.0, seed=3, batch_interval=5.0
    )
    assert study_plan({"scenarios": "burst, baseline"}).scenarios == ("burst", "baseline")


def test_an_unknown_scenario_or_a_missing_broker_is_one_line(settings):
    said: list[str] = []
    with pytest.raises(LkError, match="unknown experiment scenario 'nope'"):
        run_from_params(settings, {"scenarios": ["baseline", "nope"]}, "manual__1", said.append)
    assert said == []
    params = {"scenarios": ["baseline"], "events": 10, "repeat": 1}
    with pytest.raises(LkError) as missing:
        run_from_params(settings, params, "manual__2026-01-01T00:00:00+00:00", said.append)
    assert "\n" not in str(missing.value)
    assert said and "baseline" in said[0] and "1 repeat(s), 10 events" in said[0]
    assert "studies/manual__2026-01-01T00_00_00_00_00" in said[0]


def test_the_task_log_names_each_scenario_then_its_state_every_10_s(tmp_path, monkeypatch):
    said: list[str] = []
    clock = iter([100.0, 101.0, 102.0, 103.0])
    monkeypatch.setattr("experiments.experiment.from_airflow.time.monotonic", lambda: next(clock))
    plan = StudyPlan(scenarios=("baseline", "burst"))
    show = _per_scenario(plan, tmp_path, said.append)
    state = {"repeat": 1, "elapsed_s": 3.0, "sent": 10, "lag": {"lambda": 2, "kappa": 4},
             "batch_runs": 0, "last_mark": "started"}  # fmt: skip
    show({**state, "phase": "streaming", "scenario": "baseline"})
    show({**state, "phase": "streaming", "scenario": "baseline"})
    show({**state, "phase": "starting", "scenario": "burst"})
    show({**state, "phase": "starting", "scenario": "burst"})
    assert [line.split(",")[0] for line in said] == [
        f"scenario baseline (1 of 2) into {tmp_path / 'baseline'}",
        "repeat 1: streaming",
        f"scenario burst (2 of 2) into {tmp_path / 'burst'}",
        "repeat 1: starting",
    ]
