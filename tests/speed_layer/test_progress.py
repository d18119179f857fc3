"""A streaming job's progress comes from Spark's own progress events (a StreamingQueryListener):
one file per micro-batch that ran, a summary that adds them up, and a failure to record them
stops the job with one line instead of vanishing into Spark's log."""

import json
from dataclasses import replace

import pytest

from core.errors import LkError
from core.layout import Layout
from speed_layer.job import run_speed, speed_options
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow


def test_every_micro_batch_is_recorded_from_its_progress_event(kafka, topic, spark, tmp_path):
    sent = send_records(
        generate(SCENARIOS["late-data"], seed=5, events=1500), kafka.bootstrap, topic,
        show_progress=False,
    )  # fmt: skip
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    status = run_speed(settings, speed_options(until_caught_up=True, max_offsets_per_trigger=300))

    paths = Layout(tmp_path).speed
    batches = [json.loads(f.read_text()) for f in sorted((paths.progress / "query").glob("*"))]
    figures = sorted(paths.figures.glob("*.json"))
    assert len(batches) == len(figures) == status["batches"] >= sent.records // 300
    assert [batch["batch_id"] for batch in batches] == list(range(len(batches)))
    assert sum(batch["input_rows"] for batch in batches) == sent.records == status["records"]
    assert batches[-1]["lag"] == 0 and sum(status["offsets"].values()) >= sent.records
    assert json.loads((paths.progress / "latest.json").read_text())["records"] == sent.records


def test_progress_that_cannot_be_recorded_fails_the_job(kafka, topic, spark, tmp_path):
    send_records(
        generate(SCENARIOS["late-data"], seed=6, events=300), kafka.bootstrap, topic,
        show_progress=False,
    )  # fmt: skip
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    progress = Layout(tmp_path).speed.progress
    progress.mkdir(parents=True)
    (progress / "query").write_text("a file where the folder of progress files goes")

    with pytest.raises(LkError, match="recording progress failed"):
        run_speed(settings, speed_options(until_caught_up=True))
