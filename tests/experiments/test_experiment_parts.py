"""The experiment's own parts without Spark: scenarios, the workload check, row texts, the
sampler's change log over a real DuckDB catalog, the resource meter on real processes, the
recovery and time-to-correct figures on hand-made timelines, and the command line's errors."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from core.errors import LkError
from core.layout import Layout
from core.settings import Settings
from experiments.experiment.plan import Plan
from experiments.experiment.resources import ResourceMeter
from experiments.experiment.run import RunRecord
from experiments.experiment.run_metrics import code_lines, recovery_seconds, time_to_correct
from experiments.experiment.sampler import ServedRowsSampler
from experiments.experiment.scenarios import SCENARIOS, experiment_scenario
from experiments.experiment.timeline import (
    CHANGES_SCHEMA,
    SAMPLES_SCHEMA,
    TRUTH_ROWS_SCHEMA,
    row_text,
)
from experiments.experiment.workload import check_workload, records_of
from lk.cli import main
from serving_layer.columns import VIEW_COLUMNS

SAMPLE_FILE = Path(__file__).resolve().parents[1] / "data" / "rees46_sample.csv"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_makes_its_records(name):
    scenario = experiment_scenario(name)
    plan = Plan(scenario, events=50, rate=1000.0, file=SAMPLE_FILE if scenario.needs_file else None)
    check_workload(plan)
    records = list(records_of(plan))
    assert records and all(r.send_at >= 0 for r in records)
    assert sum(r.kind != "duplicate" and r.kind != "malformed" for r in records) <= 50


def test_a_file_scenario_without_its_file_is_one_line():
    with pytest.raises(LkError, match="give --file PATH"):
        check_workload(Plan(experiment_scenario("real"), events=10, rate=10.0))
    with pytest.raises(LkError, match="unknown experiment scenario 'nope'"):
        experiment_scenario("nope")


def test_a_row_reads_the_same_from_a_naive_or_an_aware_timestamp():
    columns = tuple(name for name, _ in VIEW_COLUMNS["action_counts"])
    aware = dict(zip(columns, (datetime(2026, 1, 1, 10, tzinfo=UTC),
                               datetime(2026, 1, 1, 10, 1, tzinfo=UTC), "view", 3,
                               Decimal("1.5")), strict=True))  # fmt: skip
    naive = {**aware, "window_start": aware["window_start"].replace(tzinfo=None),
             "window_end": aware["window_end"].replace(tzinfo=None)}  # fmt: skip
    assert row_text("action_counts", aware, columns) == row_text("action_counts", naive, columns)
    assert row_text("action_counts", aware, columns)[1] == "3|1.50"


def _catalog(path: Path, counts: dict[str, int], *, lambda_refuses: bool = False) -> None:
    """A serving catalog whose lambda_/kappa_ views hold one action_counts row per action; with
    `lambda_refuses`, every lambda_ view fails when read, as a refusal to merge does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = path.with_suffix(".new")
    connection = duckdb.connect(str(new))
    for architecture in ("lambda", "kappa"):
        for view, columns in VIEW_COLUMNS.items():
            typed = ", ".join(f"{name} {kind}" for name, kind in columns)
            connection.execute(f"CREATE TABLE {architecture}_{view}_rows ({typed})")
            refuse = "WHERE error('batch v1 and speed v2 differ') IS NULL"
            connection.execute(
                f"CREATE VIEW {architecture}_{view} AS SELECT * FROM {architecture}_{view}_rows "
                + (refuse if lambda_refuses and architecture == "lambda" else "")
            )
        for action, events in counts.items():
            connection.execute(
                f"INSERT INTO {architecture}_action_counts_rows VALUES "
                "('2026-01-01 10:00:00+00', '2026-01-01 10:01:00+00', ?, ?, 0)",
                [action, events],
            )
    connection.close()
    new.replace(path)


def test_the_sampler_records_what_appeared_changed_and_disappeared(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path, bootstrap="127.0.0.1:1", topic="t")
    marks: list[str] = []
    sampler = ServedRowsSampler(settings, marks.append)
    sampler._lags = lambda: {}  # no broker here: lag is not what this test is about
    catalog = Layout(tmp_path).catalog
    sampler.sample()  # no catalog yet: nothing served
    _catalog(catalog, {"view": 2, "click": 1})
    sampler.sample()
    _catalog(catalog, {"view": 3})
    sampler.sample()
    _catalog(catalog, {"view": 3}, lambda_refuses=True)
    sampler.sample()  # lambda_* refuse: they serve nothing
    _catalog(catalog, {"view": 3})
    sampler.sample()
    changes = sampler.changes().to_pylist()
    samples = sampler.samples().to_pylist()
    assert [s["ok"] for s in samples] == [False, False] + [True] * 8
    lam = [(c["key"].split("|")[-1], c["value"]) for c in changes if c["architecture"] == "lambda"]
    assert lam == [("view", "2|0.00"), ("click", "1|0.00"), ("view", "3|0.00"), ("click", None),
                   ("view", None), ("view", "3|0.00")]  # fmt: skip
    kappa = [c["value"] for c in changes if c["architecture"] == "kappa"]
    assert kappa == ["2|0.00", "1|0.00", "3|0.00", None]
    assert marks[0] == "lambda_* refuse to serve"
    assert "batch v1 and speed v2" in sampler.last_error.get("lambda", "") or marks[1:]
    assert marks[1:] == ["lambda_* serve again"]


def test_the_meter_counts_a_process_tree_and_keeps_what_an_exited_process_used():
    burn = "import time\nwhile time.process_time() < 0.6: pass"  # 0.6 s of CPU, however slow
    child = subprocess.Popen([sys.executable, "-c", burn])
    meter = ResourceMeter()
    meter.watch("burner", child.pid)
    while child.poll() is None:
        meter.sample()
        time.sleep(0.05)
    meter.sample()  # gone now: its last reading stays
    figures = meter.figures()["burner"]
    assert 0.3 < figures["cpu_seconds"] < 5
    assert figures["peak_rss_bytes"] > 1_000_000


def _table(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(
        [dict(zip(schema.names, r, strict=True)) for r in rows], schema=schema
    )


def test_recovery_is_until_the_lag_is_back_to_what_it_was_before_the_kill():
    run = RunRecord(repeat=1, folder=Path("."))
    run.action = {"name": "failure", "at": 100.0, "restarted": 101.0, "rate": 50,
                  "lags_before": {"lambda": 80, "kappa": 10}}  # fmt: skip
    samples = _table(
        [
            (99.0, "lambda", True, 80),
            (102.0, "lambda", True, 400),
            (104.0, "lambda", True, 75),
            (102.0, "kappa", True, 300),
            (103.0, "kappa", True, 60),
            (108.0, "kappa", True, 40),
        ],  # fmt: skip
        SAMPLES_SCHEMA,
    )
    assert recovery_seconds(run, samples) == {"lambda": 4.0, "kappa": 8.0}


def test_time_to_correct_waits_for_every_row_due_at_the_change_to_stay_right():
    run = RunRecord(repeat=1, folder=Path("."))
    run.action = {"name": "logic-change", "at": 100.0}
    truth = _table(
        [
            ("user_sessions", "u1|s", "v2", 90.0),
            ("user_sessions", "u2|s", "v2", 95.0),
            ("user_sessions", "u3|s", "v2", 130.0),
        ],  # fmt: skip  (u3 arrives after the change)
        TRUTH_ROWS_SCHEMA,
    )
    changes = _table(
        [(96.0, "lambda", "user_sessions", "u1|s", "v1"), (96.0, "lambda", "user_sessions", "u2|s", "v1"),
         (110.0, "lambda", "user_sessions", "u1|s", "v2"), (110.0, "lambda", "user_sessions", "u2|s", "v2"),
         (120.0, "lambda", "user_sessions", "u1|s", None), (130.0, "lambda", "user_sessions", "u1|s", "v2"),
         (96.0, "kappa", "user_sessions", "u1|s", "v1"), (96.0, "kappa", "user_sessions", "u2|s", "v1")],
        CHANGES_SCHEMA,
    )  # fmt: skip
    samples = _table(
        [(t, arch, True, 0) for t in (96.0, 100.0, 110.0, 120.0, 130.0) for arch in ("lambda", "kappa")],
        SAMPLES_SCHEMA,
    )  # fmt: skip
    # right at 110, refused at 120 (rows gone), right again from 130 to the end
    assert time_to_correct(run, changes, truth, samples) == {"lambda": 30.0, "kappa": None}


def test_each_architecture_has_code_of_its_own():
    assert code_lines("lambda") > 300 and code_lines("kappa") > 300


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["--scenario", "real"],
            "lk: error: scenario 'real' replays a data file: give --file PATH",
        ),
        (["--scenario", "baseline", "--bootstrap", "127.0.0.1:1"], "lk: error: "),
    ],
)
def test_the_command_line_refuses_in_one_line(argv, line, capsys, tmp_path):
    code = main(["experiment", "run", "--out", str(tmp_path / "out"), "--no-progress", *argv])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(line) and len(err.splitlines()) == 1, err
