"""What the figures of a results document show, in a few sentences computed from them.

Each sentence is written only when the figures it needs were measured; numbers are the medians
over the repeats (`combine_repeats`); the accuracy series are read from the first repeat.
"""

from __future__ import annotations

from experiments.experiment.metrics import ALL_VIEWS
from experiments.experiment.repeats import combine_repeats
from experiments.experiment.table import format_value

NAMES = {"lambda": "Lambda", "kappa": "Kappa", "shared": "the shared components"}
MAX_MARKS = 16


class _Figures:
    """Median of each (architecture, metric) measured at least once."""

    def __init__(self, results: dict) -> None:
        self.entries = {
            (entry["architecture"], entry["metric"]): entry
            for entry in combine_repeats(results.get("metrics", []))
            if entry["repeats"]
        }

    def get(self, architecture: str, metric: str) -> float | None:
        entry = self.entries.get((architecture, metric))
        return None if entry is None else entry["median"]

    def text(self, architecture: str, metric: str) -> str:
        entry = self.entries[(architecture, metric)]
        return format_value(entry["median"], entry["unit"])

    def percent(self, architecture: str, metric: str) -> str:
        return f"{self.entries[(architecture, metric)]['median'] * 100:.1f} %"

    def both(self, metric: str) -> bool:
        return all(self.get(name, metric) is not None for name in ("lambda", "kappa"))

    def total(self, architecture: str, prefix: str) -> float | None:
        values = [
            entry["median"]
            for (name, metric), entry in self.entries.items()
            if name == architecture and metric.startswith(prefix + ":")
        ]
        return sum(values) if values else None


def _accuracy(f: _Figures) -> list[str]:
    said = []
    if f.both("accuracy_final"):
        said.append(
            f"At the end Lambda served {f.percent('lambda', 'accuracy_final')} of the oracle's rows "
            f"exactly and Kappa {f.percent('kappa', 'accuracy_final')}."
        )
    for name, other in (("lambda", "kappa"), ("kappa", "lambda")):
        only = f.get(name, "final_rows_right_only_here")
        if only:
            said.append(
                f"{NAMES[name]} ended with {f.text(name, 'final_rows_right_only_here')} rows right "
                f"that {NAMES[other]} still served wrong or not at all."
            )
        if f.get(name, "extra_served_rows"):
            said.append(
                f"{NAMES[name]} also served {f.text(name, 'extra_served_rows')} row(s) the "
                "oracle does not have."
            )
    if f.both("accuracy_mean"):
        said.append(
            f"Averaged over the run's samples, accuracy was {f.percent('lambda', 'accuracy_mean')} for "
            f"Lambda and {f.percent('kappa', 'accuracy_mean')} for Kappa."
        )
    return said


def _before(series: list[dict], architecture: str, t: float) -> float | None:
    """The last accuracy of `architecture` sampled before `t` (None if none)."""
    values = [r["accuracy"] for r in series if r["architecture"] == architecture and r["t_s"] < t]
    values = [value for value in values if value is not None]
    return values[-1] if values else None


def _marks(results: dict) -> list[str]:
    """For each mark of the first repeat after which accuracy moved: each architecture's accuracy
    just before it and just before the next mark (or the last sample), i.e. what changed over
    the stretch it opened."""
    series = [row for row in results.get("series", []) if row.get("view", ALL_VIEWS) == ALL_VIEWS]
    if not series:
        return []
    first = min(row["repeat"] for row in series)
    series = sorted((r for r in series if r["repeat"] == first), key=lambda row: row["t_s"])
    marks = _same_moment_joined(
        sorted(
            (m for m in results.get("marks", []) if m["repeat"] == first), key=lambda m: m["t_s"]
        )
    )[:MAX_MARKS]
    end = series[-1]["t_s"]
    said = []
    for index, mark in enumerate(marks):
        if mark["t_s"] >= end:  # after the last sample: nothing was measured
            break
        until = min(marks[index + 1]["t_s"], end) if index + 1 < len(marks) else end
        parts, moved = [], False
        for name in ("lambda", "kappa"):
            start, stop = _before(series, name, mark["t_s"]), _before(series, name, until)
            if start is not None and stop is not None:
                parts.append(f"{NAMES[name]} {start:.3f} → {stop:.3f}")
                moved = moved or abs(stop - start) >= 0.01
        if parts and moved:  # a stretch in which nothing changed says nothing
            said.append(
                f"Between {mark['what']} ({mark['t_s']:.0f} s) and {until:.0f} s, accuracy went "
                + ", ".join(parts) + "."
            )  # fmt: skip
    return said


def _same_moment_joined(marks: list[dict]) -> list[dict]:
    """Marks at the same moment (a batch run served, the next one starts) as one mark."""
    joined: list[dict] = []
    for mark in marks:
        if joined and abs(joined[-1]["t_s"] - mark["t_s"]) < 0.5:
            joined[-1] = {**joined[-1], "what": f"{joined[-1]['what']}; {mark['what']}"}
        else:
            joined.append(dict(mark))
    return joined


def _latency(f: _Figures) -> list[str]:
    if not f.both("window_latency_p50_s"):
        return []
    said = [
        "Windows were served right a median of "
        f"{f.text('lambda', 'window_latency_p50_s')} s after their last event by Lambda "
        f"(p99 {f.text('lambda', 'window_latency_p99_s')} s) and "
        f"{f.text('kappa', 'window_latency_p50_s')} s by Kappa "
        f"(p99 {f.text('kappa', 'window_latency_p99_s')} s)."
    ]
    for name in ("lambda", "kappa"):
        if f.get(name, "window_never_correct_share"):
            said.append(
                f"{NAMES[name]} never served "
                f"{f.percent(name, 'window_never_correct_share')} of the windows right."
            )
    return said


def _pair(f: _Figures, metric: str, template: str) -> list[str]:
    if not f.both(metric):
        return []
    return [template.format(lambda_=f.text("lambda", metric), kappa=f.text("kappa", metric))]


def _costs(f: _Figures) -> list[str]:
    said = []
    if f.both("recompute_seconds"):
        lam, kap = f.get("lambda", "recompute_seconds"), f.get("kappa", "recompute_seconds")
        ratio = f" (Kappa's replay took {kap / lam:.2f}× Lambda's time)" if lam else ""
        replayed = "what the log kept" if f.both("rebuild_accuracy") else "the same events"
        said.append(
            f"A full batch recompute took {f.text('lambda', 'recompute_seconds')} s and a full "
            f"Kappa replay of {replayed} {f.text('kappa', 'recompute_seconds')} s{ratio}."
        )
    said += _pair(f, "recompute_events_per_s",
                  "That is {lambda_} events/s for the batch recompute and {kappa} events/s for "
                  "the replay.")  # fmt: skip
    said += _pair(f, "time_to_correct_s",
                  "After the logic change, correct results were served after {lambda_} s by Lambda "
                  "and {kappa} s by Kappa.")  # fmt: skip
    said += _pair(f, "recovery_seconds",
                  "After the kill, Lambda recovered in {lambda_} s and Kappa in {kappa} s.")  # fmt: skip
    if f.both("rebuild_accuracy"):
        deleted = f.get("shared", "records_deleted_by_retention")
        gone = f"{deleted:,.0f} records" if deleted is not None else "the log's head"
        said.append(
            f"After retention deleted {gone}, the rebuilds served "
            f"{f.percent('lambda', 'rebuild_accuracy')} (Lambda, from its master dataset) and "
            f"{f.percent('kappa', 'rebuild_accuracy')} (Kappa, replaying what the log kept) of "
            "the full stream's rows exactly."
        )
    said += _pair(f, "late_events_dropped",
                  "Late events dropped: {lambda_} by Lambda, {kappa} by Kappa.")  # fmt: skip
    cpu = {name: f.total(name, "cpu_seconds") for name in ("lambda", "kappa", "shared")}
    if cpu["lambda"] is not None and cpu["kappa"] is not None:
        shared = f", the shared components {cpu['shared']:.1f}" if cpu["shared"] is not None else ""
        said.append(
            f"Lambda's components used {cpu['lambda']:.1f} CPU seconds, Kappa's "
            f"{cpu['kappa']:.1f}{shared}."
        )
    if f.both("code_lines") and f.both("jobs_to_operate"):
        said.append(
            f"Lambda needs {f.text('lambda', 'code_lines')} lines of its own code and "
            f"{f.text('lambda', 'jobs_to_operate')} jobs to operate; Kappa "
            f"{f.text('kappa', 'code_lines')} lines and {f.text('kappa', 'jobs_to_operate')} "
            + ("job." if f.text("kappa", "jobs_to_operate") == "1" else "jobs.")
        )
    return said


def findings(results: dict) -> list[str]:
    """Sentences saying what this run's figures show, most telling first; empty if none."""
    figures = _Figures(results)
    return [*_accuracy(figures), *_marks(results), *_latency(figures), *_costs(figures)]
