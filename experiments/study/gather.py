"""A finished (or partly finished) study read back: its study.json, each scenario's
results.json, and the verdict of every dimension computed from them."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from core.errors import LkError
from experiments.study.dimensions import DIMENSIONS, Dimension, dimension_value
from experiments.study.files import STUDY_FILE
from experiments.study.verdict import NAMES, Verdict, judge


def load_study(folder: Path) -> tuple[dict, dict[str, dict]]:
    """`(study, {scenario: results})` of the study in `folder`; scenarios whose results.json
    is missing (not run yet) are left out. LkError (one line) if study.json is missing, or it
    or a results.json is unreadable."""
    path = folder / STUDY_FILE
    if not path.is_file():
        raise LkError(f"no study in {folder} ({STUDY_FILE} missing): give the --out folder of "
                      "lk study run")  # fmt: skip
    study = _read(path)
    results = {}
    for entry in study.get("scenarios", []):
        found = folder / entry["results"]
        if found.is_file():
            results[entry["name"]] = _read(found)
    return study, results


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LkError(f"cannot read {path}: {error}") from None


def dimension_repeats(results: dict, dimension: Dimension) -> dict[int, dict[str, float | None]]:
    """`{repeat: {"lambda": value, "kappa": value}}` of `dimension` in one scenario's
    results (values None where not measured in that repeat). A repeat whose jobs did not
    settle (`ended_by` a timeout) is left out: its figures stop mid-way."""
    by: dict[tuple[int, str], dict[str, float | None]] = defaultdict(dict)
    for record in results.get("metrics", []):
        by[(record["repeat"], record["architecture"])][record["metric"]] = record["value"]
    repeats = sorted({repeat for repeat, _ in by} | {r["repeat"] for r in results.get("runs", [])})
    timed_out = {r["repeat"] for r in results.get("runs", []) if r.get("ended_by") != "settled"}
    repeats = [repeat for repeat in repeats if repeat not in timed_out]
    return {
        repeat: {
            name: dimension_value(by.get((repeat, name), {}), dimension.metrics[name])
            for name in NAMES
        }
        for repeat in repeats
    }


def study_verdicts(results: dict[str, dict]) -> list[Verdict]:
    """The verdict of every dimension, in DIMENSIONS' order (a dimension whose scenario is not
    in `results` is judged on no repeats: "not measured")."""
    return [
        judge(
            dimension,
            dimension_repeats(results[dimension.scenario], dimension)
            if dimension.scenario in results
            else {},
        )  # fmt: skip
        for dimension in DIMENSIONS
    ]
