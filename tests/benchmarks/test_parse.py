"""`lk bench parse`: the record parse alone against a bare `from_json`, in the one Spark session."""

import json

import pytest

from benchmarks.parse import plot
from lk.cli import main
from workloads.generator import generate
from workloads.scenarios import SCENARIOS


def test_a_bad_count_is_refused_in_one_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["bench", "parse", "--events", "0"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error == "lk bench parse: error: argument --events: '0' must be greater than 0"


def test_figures_and_plot_of_a_short_run(spark, tmp_path, capsys):
    out = tmp_path / "parse.json"
    args = ["bench", "parse", "--events", "3000", "--repeat", "2", "--out", str(out)]
    assert main([*args, "--data-dir", str(tmp_path / "data")]) == 0

    figures = json.loads(out.read_text())
    records = list(generate(SCENARIOS["dirty"], 7, events=3000))
    assert figures["records"] == len(records)
    assert figures["rejected"] == sum(record.kind == "malformed" for record in records) > 0
    for name in ("parse_records_per_second", "from_json_records_per_second"):
        assert figures[f"{name}_min"] <= figures[name] <= figures[f"{name}_max"]
        assert figures[name] > 0
    ratio = figures["ratio_parse_to_from_json"]
    assert 0 < ratio < 100
    assert "Plotly.newPlot" in out.with_suffix(".html").read_text()
    title = plot(figures).layout.title.text
    assert f"{figures['records']:,} records" in title and f"from_json {ratio:g}" in title
    assert not list((tmp_path / "data" / "bench").iterdir()), "the Parquet file is removed"
    assert "ratio_parse_to_from_json" in capsys.readouterr().out
