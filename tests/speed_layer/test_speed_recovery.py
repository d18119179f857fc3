"""The speed layer killed with SIGKILL mid-stream resumes from its checkpoint: same output."""

from dataclasses import replace

import pytest

from core.layout import Layout
from speed_layer.job import run_speed, speed_options
from tests.processes import kill_after_micro_batches, serving_rows
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow

OPTIONS = {"watermark": "1 hour", "max_offsets_per_trigger": 400}
"""A watermark longer than any lateness in the stream: nothing is dropped, so the output does
not depend on where micro-batches begin and end."""


def test_killed_speed_layer_resumes_with_identical_output(kafka, topic, spark, tmp_path):
    records = list(generate(SCENARIOS["late-data"], seed=21, events=4000))
    send_records(records, kafka.bootstrap, topic, paced=False, total=None)
    killed = replace(kafka, topic=topic, data_dir=tmp_path / "killed")
    reference = replace(kafka, topic=topic, data_dir=tmp_path / "reference")

    arguments = [
        "lambda", "speed", "--watermark", OPTIONS["watermark"],
        "--max-offsets-per-trigger", str(OPTIONS["max_offsets_per_trigger"]),
    ]  # fmt: skip
    batches = Layout(killed.data_dir).speed.view_files("action_counts")
    done_before_kill = kill_after_micro_batches(
        arguments, killed, batches, 3, tmp_path / "speed.log"
    )
    assert done_before_kill < len(records) / OPTIONS["max_offsets_per_trigger"], "killed too late"

    resumed = run_speed(killed, speed_options(until_caught_up=True, **OPTIONS))
    assert resumed["dropped_late"] == 0
    run_speed(reference, speed_options(until_caught_up=True, **OPTIONS))

    assert serving_rows(killed, "speed") == serving_rows(reference, "speed")
    assert sum(row[3] for row in serving_rows(reference, "speed")["action_counts"]) > 0
