"""notebooks/explore_results.py runs as a plain script on a finished experiment's folder that
has since been moved: it reads results.json and the serving catalog without writing to either,
shows their rows, and redraws the report's accuracy and latency figures as HTML files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from core.atomic import write_json
from core.layout import Layout
from core.settings import Settings
from experiments.experiment.experiment import run_data_dir, run_folder
from experiments.experiment.metrics import served_metrics
from experiments.experiment.plots import latency_figure
from serving_layer.catalog import refresh_catalog
from tests.experiments.test_experiment_metrics import tables
from tests.serving_layer.files import every_layer

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "explore_results.py"


def run_notebook(experiment: Path, out: Path) -> str:
    """Run the notebook as a script (from another working directory); its standard output."""
    done = subprocess.run(
        [sys.executable, str(NOTEBOOK), str(experiment), str(out)],
        cwd=out.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def finished_experiment(out: Path) -> dict:
    """A one-repeat experiment folder as `lk experiment run` leaves it: results.json from the
    metrics code over the hand-made timelines of the metrics tests, and the repeat's data
    directory with every layer's files and its serving catalog. The results document."""
    changes, samples, truth = tables()
    results: dict = {
        "scenario": {"name": "late-data", "description": "devices offline for minutes"},
        "environment": {"cores": 2, "seed": 7},
        "marks": [{"repeat": 1, "t_s": 3.0, "what": "batch run 1 served"}],
        **served_metrics(changes, samples, truth, repeat=1, started=100.0),
        "runs": [{"repeat": 1, "folder": str(run_folder(out, 1))}],
    }
    data_dir = run_data_dir(out, 1)
    every_layer(Layout(data_dir))
    refresh_catalog(Settings.from_env(data_dir=data_dir))
    write_json(out / "results.json", results)
    return results


def files_of(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder`: (size in bytes, modification time in ns)."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


def test_the_notebook_reads_a_moved_experiment_and_redraws_two_figures(tmp_path):
    results = finished_experiment(tmp_path / "experiment")
    moved = (tmp_path / "experiment").rename(tmp_path / "moved [1] it's *{a b}")
    untouched = files_of(moved)
    figures = tmp_path / "figures"

    shown = run_notebook(moved, figures)

    assert files_of(moved) == untouched  # read-only: nothing written, not even the catalog
    assert "scenario late-data: devices offline for minutes" in shown
    assert "accuracy_final" in shown  # the side-by-side table of the report
    batch_row = (
        r"2026-01-01T00:09:00\+00:00\s+2026-01-01T00:10:00\+00:00\s+view\s+5\s+0\.00\s+True\s+batch"
    )
    assert re.search(batch_row, shown)
    assert re.search(
        r"^speed\s+NULL\s+v1\s+True\s+NULL\s+2026-01-01T00:10:30\+00:00\s+0", shown, re.M
    )
    # rows each architecture serves that the oracle does not have: Kappa's one short window
    assert re.search(r"^lambda\s+0\s*$", shown, re.M) and re.search(r"^kappa\s+1\s*$", shown, re.M)
    accuracy = (figures / "explore-accuracy.html").read_text(encoding="utf-8")
    latency = (figures / "explore-latency.html").read_text(encoding="utf-8")
    assert "Accuracy over time, all views" in accuracy and "batch run 1 served" in accuracy
    names = [trace.name for trace in latency_figure(results).data]
    assert names == ["lambda (2 of 6 never right)", "kappa (0 of 6 never right)"]
    assert all(name in latency for name in names)
    assert f"accuracy: {figures / 'explore-accuracy.html'}" in shown
