"""The experiment DAG: it parses light, offers every scenario in its trigger form, and its task
reports progress at most every 10 s and at each phase."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import LkError
from core.settings import Settings
from experiments.experiment.from_airflow import every_10_s, run_from_params
from tests.dags.dagbag import parse_dag


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(data_dir=tmp_path / "lk-data", bootstrap="127.0.0.1:1")


def test_the_experiment_dag_offers_every_scenario_and_imports_nothing_heavy(settings):
    parsed = parse_dag(settings, "experiment")
    assert parsed["import_errors"] == {}
    assert parsed["downstream"] == {"run_scenario": []}
    assert parsed["retries"] == {"run_scenario": 0}
    assert parsed["schedule"] is None and parsed["heavy_modules"] == []
    params = parsed["params"]
    assert params["scenario"] == "late-data"
    assert all(parsed["param_descriptions"].values())
    assert "report" in parsed["task_docs"]["run_scenario"]
    assert "report.html" in parsed["doc_md"]


def test_an_unknown_scenario_or_a_missing_broker_is_one_line(settings):
    said: list[str] = []
    with pytest.raises(LkError, match="unknown experiment scenario 'nope'"):
        run_from_params(settings, {"scenario": "nope"}, "manual__1", said.append)
    with pytest.raises(LkError) as missing:
        run_from_params(settings, {"scenario": "baseline", "events": 10}, "manual__2", said.append)
    assert "\n" not in str(missing.value)
    assert said and "baseline" in said[0] and "experiments/baseline-manual__2" in said[0]


def test_the_task_log_gets_the_state_every_10_s_and_at_each_phase(monkeypatch):
    said: list[str] = []
    clock = iter([100.0, 101.0, 105.0, 116.0])
    monkeypatch.setattr("experiments.experiment.from_airflow.time.monotonic", lambda: next(clock))
    show = every_10_s(said.append)
    state = {"repeat": 1, "elapsed_s": 3.0, "sent": 10, "lag": {"lambda": 2, "kappa": 4},
             "batch_runs": 0, "last_mark": "started"}  # fmt: skip
    for phase in ("streaming", "streaming", "settling", "settling"):
        show({**state, "phase": phase})
    assert [line.split(",")[0] for line in said] == [
        "repeat 1: streaming",
        "repeat 1: settling",
        "repeat 1: settling",
    ]
    assert "lag lambda 2 kappa 4" in said[0]
