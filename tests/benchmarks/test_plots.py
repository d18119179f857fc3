"""Each benchmark's plot is drawn from that benchmark's figures: real outputs of `lk bench
produce | replay | batch | lambda | scale --out` at tiny sizes, kept in tests/data/bench/ (see
its README), give a figure whose bars or points are the medians of the figures, with min–max
error bars where the run was repeated; `write_figures` puts it in a self-contained page."""

import json
from pathlib import Path

import plotly.graph_objects as go
import pytest

from benchmarks.batch.plot import plot_batch
from benchmarks.lambda_layers.plot import plot_lambda
from benchmarks.produce.plot import plot_produce
from benchmarks.replay.plot import plot_replay
from benchmarks.scale.plot import plot_scale
from lk.output import write_figures

OUTPUTS = Path(__file__).parent.parent / "data" / "bench"
PLOTS = {
    "produce": (plot_produce, "lk_produce_records_per_second"),
    "replay": (plot_replay, "replay_records_per_second"),
    "batch": (plot_batch, "events_20000_spark_seconds"),
    "lambda": (plot_lambda, "batch_events_per_second"),
    "scale": (plot_scale, "events_2000_recompute_seconds"),
}
"""Each benchmark: its plot function, and the figure its first trace starts with."""


def _figures(name: str) -> dict:
    return json.loads((OUTPUTS / f"{name}.json").read_text())


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_each_plot_draws_its_benchmarks_figures(name):
    plot, first = PLOTS[name]
    figures = _figures(name)
    figure = plot(figures)
    assert isinstance(figure, go.Figure) and figure.data
    assert figure.data[0].y[0] == figures[first]
    repeated = f"{first}_max" in figures
    error = figure.data[0].error_y
    assert (error.array is not None) == repeated, "min–max error bars exactly when repeated"
    if repeated:
        assert error.array[0] == pytest.approx(figures[f"{first}_max"] - figures[first])


def test_the_ratio_is_written_on_the_plot():
    figures = _figures("produce")
    title = plot_produce(figures).layout.title.text
    assert str(figures["ratio_lk_produce_to_producer_performance"]) in title


def test_scale_draws_a_fitted_line_through_its_points():
    figures = _figures("scale")
    fits = [trace for trace in plot_scale(figures).data if trace.name.startswith("fit: ")]
    assert fits and all(trace.mode == "lines" for trace in fits)


def test_write_figures_puts_the_plot_beside_the_json(tmp_path, capsys):
    page = write_figures(_figures("batch"), tmp_path / "batch.json", plot=plot_batch)
    assert page == tmp_path / "batch.html"
    html = page.read_text()
    assert "lk bench batch" in html and "https://" not in html.split("<body>")[0][-2000:]
    assert f"plot: {page}" in capsys.readouterr().out
