# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Explore a finished experiment
#
# Opens what `lk experiment run --out DIR` left behind, read-only: `DIR/results.json` (the
# metrics, the accuracy series, the window latencies and the run's marks) and each repeat's
# serving catalog (`DIR/run-<k>/data/serving/catalog.duckdb`, queried the way `lk query` does),
# shows a few rows of each, and redraws two of the report's figures with the report's own plot
# functions (`experiments/experiment/plots.py`). The experiment folder may have been moved or
# renamed since the run: the catalog reads its files relative to its data directory.
#
# As a script: `python notebooks/explore_results.py DIR [OUT]` writes the two figures to
# `OUT/explore-accuracy.html` and `OUT/explore-latency.html` (OUT defaults to DIR). In a
# notebook (Jupyter, VS Code), set `EXPERIMENT` below (or `LK_EXPERIMENT` in the environment);
# the figures are also shown inline.

# %%
import json
import os
import sys
from pathlib import Path

import duckdb

from core.layout import Layout
from core.settings import Settings
from experiments.experiment.experiment import run_data_dir
from experiments.experiment.plots import accuracy_figure, latency_figure
from experiments.experiment.report import PLOT_CONFIG, format_table
from serving_layer.catalog import connect
from serving_layer.query import confine, format_rows, served_folders

SHOWN_ROWS = 5
"""Rows shown of each table."""


def experiment_folder(argv: list[str]) -> Path:
    """The experiment folder (the `--out` of `lk experiment run`): the script's first argument;
    in a notebook, LK_EXPERIMENT, or else where `make demo` writes
    (`$LK_DATA_DIR/experiments/late-data`)."""
    if "ipykernel" not in sys.modules and len(argv) > 1:
        return Path(argv[1]).resolve()
    if os.environ.get("LK_EXPERIMENT"):
        return Path(os.environ["LK_EXPERIMENT"]).resolve()
    return Settings.from_env().data_dir / "experiments" / "late-data"


def output_folder(argv: list[str], experiment: Path) -> Path:
    """Where the figures are written: the script's second argument, or the experiment folder."""
    if "ipykernel" not in sys.modules and len(argv) > 2:
        return Path(argv[2]).resolve()
    return experiment


EXPERIMENT = experiment_folder(sys.argv)
OUT = output_folder(sys.argv, EXPERIMENT)
print(f"experiment: {EXPERIMENT}")

# %% [markdown]
# ## `results.json`
#
# `metrics` are records `{architecture, metric, value, unit, repeat}`; `series` is the accuracy
# over time (`t_s`: seconds since the repeat's start, `accuracy`: share of the oracle's due rows
# served exactly); `latencies` one row per `action_counts` window and architecture.

# %%
results = json.loads((EXPERIMENT / "results.json").read_text(encoding="utf-8"))
scenario = results.get("scenario", {})
print(f"scenario {scenario.get('name')}: {scenario.get('description', '')}")
print(f"{len(results.get('metrics', []))} metric records, {len(results.get('series', []))} "
      f"accuracy samples, {len(results.get('latencies', []))} window latencies")  # fmt: skip
print(format_table(results))


def records_table(records: list[dict], max_rows: int = SHOWN_ROWS) -> str:
    """The first `max_rows` records (dicts of one shape) as an aligned text table."""
    if not records:
        return "(no records)"
    columns = list(records[0])
    rows = [tuple(record.get(column) for column in columns) for record in records]
    return format_rows(columns, rows, "table", max_rows)


print(records_table(results.get("series", [])))
print(records_table(results.get("latencies", [])))

# %% [markdown]
# ## The serving catalog of each repeat
#
# Opened read-only and confined like `lk query`: user SQL reads only the serving views and the
# files they read. `serving_status` says what was served at the end (batch horizon, stream
# watermarks and lag); a few `lambda_` and `kappa_` rows follow, and how many rows of each
# architecture's `action_counts` differ from the oracle's.

# %%
DIFFERING = """
SELECT '{name}' AS architecture, count(*) AS rows_unlike_the_oracle FROM (
    SELECT window_start, window_end, action, events, revenue FROM {name}_action_counts
    EXCEPT
    SELECT window_start, window_end, action, events, revenue FROM truth_action_counts
)"""
QUERIES = {
    "serving_status": (
        "SELECT component, version, logic_version, in_service, horizon, watermark, lag "
        "FROM serving_status ORDER BY component, version"
    ),
    "lambda_action_counts": (
        "SELECT window_start, window_end, action, events, revenue, final, layer "  # noqa: S608
        f"FROM lambda_action_counts ORDER BY window_start, action LIMIT {SHOWN_ROWS}"
    ),
    "kappa_user_sessions": (
        "SELECT user_id, session_start, session_end, events, revenue, final "  # noqa: S608
        f"FROM kappa_user_sessions ORDER BY session_start, user_id LIMIT {SHOWN_ROWS}"
    ),
    "unlike the oracle": " UNION ALL ".join(
        DIFFERING.format(name=name) for name in ("lambda", "kappa")
    ),
}


def repeats(results: dict, experiment: Path) -> list[int]:
    """The repeats (from 1) the results hold, or else those with a folder in `experiment`."""
    found = sorted({run["repeat"] for run in results.get("runs", [])})
    if found:
        return found
    folders = experiment.glob("run-*")
    return sorted(int(f.name[4:]) for f in folders if f.name[4:].isdigit())


def open_catalog(data_dir: Path) -> duckdb.DuckDBPyConnection:
    """The serving catalog of `data_dir`, read-only and confined as `lk query` opens it."""
    connection = connect(Layout(data_dir).catalog, read_only=True)
    confine(connection, served_folders(Layout(data_dir)))
    return connection


def query(connection: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    """The column names and rows of one read-only SELECT."""
    result = connection.execute(sql)
    return [column[0] for column in result.description], result.fetchall()


served: dict[int, dict[str, tuple[list[str], list[tuple]]]] = {}
for repeat in repeats(results, EXPERIMENT):
    data_dir = run_data_dir(EXPERIMENT, repeat)
    if not Layout(data_dir).catalog.exists():
        print(f"repeat {repeat}: no serving catalog in {data_dir}")
        continue
    connection = open_catalog(data_dir)
    served[repeat] = {}
    try:
        for title, sql in QUERIES.items():
            try:
                served[repeat][title] = query(connection, sql)
            except duckdb.Error as error:  # e.g. a catalog built before views moved with it
                print(f"repeat {repeat}, {title}: {str(error).splitlines()[0]}")
                print(f"  rebuild the catalog: lk serving refresh --data-dir '{data_dir}'")
                continue
            print(f"\nrepeat {repeat}, {title}:")
            print(format_rows(*served[repeat][title], "table", SHOWN_ROWS))
    finally:
        connection.close()

# %% [markdown]
# ## Two of the report's figures
#
# Accuracy over time over all views (the run's events as dotted lines) and the window latency
# distribution: the same functions `report.html` draws them with, on the same results.

# %%
OUT.mkdir(parents=True, exist_ok=True)
figures = {"accuracy": accuracy_figure(results), "latency": latency_figure(results)}
written: dict[str, Path] = {}
for name, figure in figures.items():
    if figure is None:
        print(f"{name}: the results hold nothing to draw")
        continue
    written[name] = OUT / f"explore-{name}.html"
    figure.write_html(written[name], include_plotlyjs=True, config=PLOT_CONFIG)
    print(f"{name}: {written[name]}")

# %%
figures["accuracy"]  # shown inline in a notebook; nothing happens in a script

# %%
figures["latency"]
