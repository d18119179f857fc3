"""Window latency, accuracy over time and final accuracy on hand-made timelines, percentiles, and
the median of repeats; the vectorised accuracy agrees with a row-by-row count on random runs."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from experiments.experiment.metrics import (
    accuracy_over_time,
    final_state,
    latency_summary,
    served_metrics,
    window_latencies,
)
from experiments.experiment.repeats import combine_repeats
from experiments.experiment.timeline import CHANGES_SCHEMA, SAMPLES_SCHEMA, TRUTH_ROWS_SCHEMA

AC = "action_counts"
TRUTH = [  # view, key, value, last_append (s)
    (AC, "k1", "3|1.00", 100.0),  # right at once
    (AC, "k2", "5|2.00", 100.0),  # right after a correction
    (AC, "k3", "2|0.00", 102.0),  # never right
    (AC, "k4", "1|0.00", 100.0),  # right, then wrong
    (AC, "k5", "1|0.00", 105.5),  # never served
    (AC, "k6", "1|0.00", 104.0),  # right before its last (duplicate) event was appended
    ("user_totals", "u1|h0", "2|0|0.00", 100.0),
]
LAMBDA_CHANGES = [  # t, key, value
    (101.0, "k1", "3|1.00"),
    (101.0, "k2", "4|1.00"),
    (101.0, "k4", "1|0.00"),
    (101.0, "kx", "9|0.00"),  # a row the oracle lacks, gone at 105
    (102.0, "k3", "1|0.00"),
    (102.0, "k6", "1|0.00"),
    (104.0, "k4", "2|0.00"),
    (105.0, "k2", "5|2.00"),
    (105.0, "kx", None),
    (105.0, "ky", "1|0.00"),  # a row the oracle lacks, still served at the end
]
LAMBDA_SAMPLES = [(101.0, True), (102.0, True), (103.0, False), (104.0, True), (105.0, True),
                  (106.0, True)]  # fmt: skip


def table_of(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(
        [dict(zip(schema.names, row, strict=True)) for row in rows], schema=schema
    )


def tables() -> tuple[pa.Table, pa.Table, pa.Table]:
    """changes, samples, truth: Lambda as above; Kappa serves every oracle row right from 106."""
    changes = [(t, "lambda", AC, key, value) for t, key, value in LAMBDA_CHANGES]
    changes.append((103.5, "lambda", "user_totals", "u1|h0", "2|0|0.00"))
    changes += [(106.0, "kappa", view, key, value) for view, key, value, _ in TRUTH]
    samples = [(t, "lambda", ok, 0) for t, ok in LAMBDA_SAMPLES]
    samples += [(100.5, "kappa", True, 5), (106.0, "kappa", True, 0), (107.0, "kappa", False, 0)]
    return (
        table_of(changes, CHANGES_SCHEMA),
        table_of(samples, SAMPLES_SCHEMA),
        table_of(TRUTH, TRUTH_ROWS_SCHEMA),
    )


def test_window_latency_is_first_right_minus_last_append_and_none_when_never_right():
    changes, _, truth = tables()
    rows = window_latencies(changes, truth, "lambda").to_pylist()
    latency = {row["key"]: row["latency_s"] for row in rows}
    assert latency == {"k1": 1.0, "k2": 5.0, "k3": None, "k4": 1.0, "k5": None, "k6": -2.0}
    assert [row["key"] for row in rows] == ["k1", "k2", "k3", "k4", "k5", "k6"]  # no kx, ky, u1
    kappa = window_latencies(changes, truth, "kappa").to_pylist()
    assert {row["key"]: row["latency_s"] for row in kappa}["k5"] == 0.5


def test_accuracy_counts_rows_due_at_each_read_sample_and_skips_a_failed_sample():
    changes, samples, truth = tables()
    series = accuracy_over_time(changes, samples, truth, "lambda", views=[AC]).to_pylist()
    assert [row["t"] for row in series] == [101.0, 102.0, 104.0, 105.0, 106.0]  # 103 failed
    assert [(row["rows_right"], row["rows_due"]) for row in series] == [
        (2, 3),  # k1, k4 right of k1, k2, k4 (k3 is due at 102)
        (2, 4),  # k6 is right but not due until 104
        (2, 5),  # k4 went wrong, k6 is due
        (3, 5),  # k2 corrected; k5 due at 105.5
        (3, 6),
    ]
    assert series[1]["accuracy"] == pytest.approx(0.5)


def test_accuracy_over_all_views_adds_them_up_and_is_null_while_no_row_is_due():
    changes, samples, truth = tables()
    both = accuracy_over_time(changes, samples, truth, "lambda").to_pylist()
    assert [(row["rows_right"], row["rows_due"]) for row in both] == [
        (2, 4), (2, 5), (3, 6), (4, 6), (4, 7)
    ]  # fmt: skip  # u1|h0 due from 100, right from 103.5
    kappa = accuracy_over_time(changes, samples, truth, "kappa").to_pylist()
    assert kappa[0] == {"t": 100.5, "rows_due": 4, "rows_right": 0, "accuracy": 0.0}
    assert kappa[1]["accuracy"] == 1.0
    early = accuracy_over_time(changes, samples.slice(0, 1), truth.slice(2, 1), "lambda")
    assert early.to_pylist() == [{"t": 101.0, "rows_due": 0, "rows_right": 0, "accuracy": None}]


def test_final_accuracy_is_taken_at_the_last_read_sample_with_extra_rows_apart():
    changes, samples, truth = tables()
    final = final_state(changes, samples, truth, "lambda")
    assert final["t"] == 106.0
    assert final["accuracy_final"] == pytest.approx(4 / 7)  # k1 k2 k6 u1
    assert (final["rows_wrong"], final["extra_rows"]) == (3, 1)  # ky; kx is gone
    kappa = final_state(changes, samples, truth, "kappa")  # its sample at 107 failed
    assert (kappa["t"], kappa["accuracy_final"], kappa["extra_rows"]) == (106.0, 1.0, 0)
    unread = samples.filter(pc.equal(samples["architecture"], "kappa")).slice(2)
    assert final_state(changes, unread, truth, "kappa")["accuracy_final"] is None


def test_percentiles_are_observed_values_and_never_right_rows_are_a_share():
    summary = latency_summary([float(value) for value in range(100, 0, -1)])
    assert (summary["p50_s"], summary["p95_s"], summary["p99_s"]) == (50.0, 95.0, 99.0)
    assert summary["never_correct_share"] == 0.0
    mixed = latency_summary([-2.0, 1.0, None, 1.0, 5.0, None])
    assert (mixed["p50_s"], mixed["p99_s"], mixed["rows"]) == (1.0, 5.0, 6)
    assert mixed["never_correct_share"] == pytest.approx(2 / 6)
    assert latency_summary([None]) == {
        "rows": 1, "p50_s": None, "p95_s": None, "p99_s": None, "never_correct_share": 1.0
    }  # fmt: skip
    assert latency_summary([])["never_correct_share"] is None


def test_served_metrics_name_every_metric_per_architecture():
    changes, samples, truth = tables()
    records = served_metrics(changes, samples, truth, repeat=0, started=100.0)
    values = {(r["architecture"], r["metric"]): r["value"] for r in records["metrics"]}
    assert values["lambda", "window_latency_p50_s"] == 1.0
    assert values["lambda", "window_never_correct_share"] == pytest.approx(2 / 6)
    assert values["kappa", "accuracy_final"] == 1.0
    assert values["kappa", "final_rows_right_only_here"] == 3  # k3 k4 k5
    assert values["lambda", "final_rows_right_only_here"] == 0
    assert values["lambda", "extra_served_rows"] == 1
    assert values["lambda", "accuracy_mean"] == pytest.approx(
        (2 / 4 + 2 / 5 + 3 / 6 + 4 / 6 + 4 / 7) / 5
    )
    series = [r for r in records["series"] if r["architecture"] == "lambda" and r["view"] == AC]
    assert [r["t_s"] for r in series] == [1.0, 2.0, 4.0, 5.0, 6.0]
    assert {r["view"] for r in records["series"]} == {"all", AC, "user_totals"}
    assert len([r for r in records["latencies"] if r["architecture"] == "kappa"]) == 6


def test_combine_repeats_gives_median_min_max_of_the_values_measured():
    records = [
        {"architecture": "lambda", "metric": "m", "value": value, "unit": "s", "repeat": repeat}
        for repeat, value in enumerate([1.0, 3.0, None, 2.0])
    ]
    records.append(
        {"architecture": "kappa", "metric": "m", "value": None, "unit": "s", "repeat": 0}
    )
    assert combine_repeats(records) == [
        {"architecture": "lambda", "metric": "m", "unit": "s", "median": 2.0, "min": 1.0,
         "max": 3.0, "repeats": 3},
        {"architecture": "kappa", "metric": "m", "unit": "s", "median": None, "min": None,
         "max": None, "repeats": 0},
    ]  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_accuracy_equals_a_row_by_row_count(seed):
    rng = random.Random(seed)
    keys = [f"k{i}" for i in range(30)]
    truth = [(AC, key, str(rng.randint(1, 3)), float(rng.randint(0, 20))) for key in keys]
    changes, last = [], {}
    for t in range(0, 25):
        for key in rng.sample(keys, 5):
            value = rng.choice(["1", "2", "3", None])
            if last.get(key, "gone") != value:
                changes.append((float(t), "lambda", AC, key, value))
                last[key] = value
    samples = [(float(t), "lambda", rng.random() > 0.2, 0) for t in range(0, 26)]
    found = accuracy_over_time(
        table_of(changes, CHANGES_SCHEMA),
        table_of(samples, SAMPLES_SCHEMA),
        table_of(truth, TRUTH_ROWS_SCHEMA),
        "lambda",
    ).to_pylist()
    for row in found:
        t = row["t"]
        served = {key: value for tc, _, _, key, value in changes if tc <= t}  # latest wins
        due = [(key, value) for _, key, value, append in truth if append <= t]
        right = sum(served.get(key) == value for key, value in due)
        assert (row["rows_due"], row["rows_right"]) == (len(due), right), t
    assert [row["t"] for row in found] == [t for t, _, ok, _ in samples if ok]


def test_rows_right_only_here_is_not_claimed_when_the_other_side_was_never_read():
    changes, samples, truth = tables()
    lambda_only = samples.filter(pc.equal(samples["architecture"], "lambda"))
    records = served_metrics(changes, lambda_only, truth, repeat=1, started=100.0)
    values = {(r["architecture"], r["metric"]): r["value"] for r in records["metrics"]}
    assert values["lambda", "final_rows_right_only_here"] is None
    assert values["lambda", "accuracy_final"] == pytest.approx(4 / 7)
    assert values["kappa", "accuracy_final"] is None
    assert not [r for r in records["series"] if r["architecture"] == "kappa"]
