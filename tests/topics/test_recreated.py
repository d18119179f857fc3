"""Case 09: the topic is deleted and created again under the same name. No path may resume the
old offsets on the new log: each refuses with one line that says how to start over, or reads
the new log from offset 0 (never 2 clicks where the log holds 6)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from decimal import Decimal

import pytest

from architectures.kappa_architecture import run_version, switch
from architectures.lambda_architecture import run_batch, run_speed
from batch_layer import ingest as ingest_module
from core.atomic import read_json, write_json
from core.errors import LkError
from core.kafka_client import TopicRecreated, topic_id
from core.layout import Layout
from kappa.job import KappaOptions
from oracle.truth import compute_truth
from speed_layer.job import speed_options
from streaming.runner import ENGINE, check_same_job
from tests.topics.logs import CASES, recreate_topic, send_lines, single_partition_topic
from tests.topics.serving import action_counts

pytestmark = pytest.mark.slow

NONE = Decimal("0.00")
VIEWS_4 = {("10:09", "view"): (4, NONE)}
CLICKS_6 = {("11:00", "click"): (6, NONE)}
KAPPA = KappaOptions(until_caught_up=True)


def one_line_refusal(error: pytest.ExceptionInfo, *advice: str) -> str:
    """The refusal's message, once it is one line naming the recreated topic and the advice."""
    message = str(error.value)
    assert "\n" not in message
    assert "deleted and created again" in message
    for words in advice:
        assert words in message, message
    return message


def test_every_path_refuses_the_old_offsets_or_reads_the_new_log(kafka, spark, tmp_path):
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path / "data")
        layout = Layout(settings.data_dir)
        send_lines(kafka.bootstrap, topic, CASES / "case-09-topic-recreated.jsonl")
        first_truth = compute_truth(settings)
        batch = run_batch(settings)
        run_speed(settings, speed_options(until_caught_up=True))
        run_version(settings, 1, KAPPA)
        assert batch["ingest"]["topic_id"] == first_truth["topic_id"] != ""
        assert read_json(layout.speed.state_file)["topic_id"] == first_truth["topic_id"]
        for view in ("truth", "batch", "speed", "kappa"):
            assert action_counts(settings, f"{view}_action_counts") == VIEWS_4, view

        old_id, new_id = recreate_topic(kafka.bootstrap, topic)
        assert old_id != new_id
        send_lines(kafka.bootstrap, topic, CASES / "case-09-topic-recreated.phase2.jsonl")

        truth = compute_truth(settings)  # the oracle always reads the whole log from offset 0
        assert truth["records_read"] == 6 and truth["replaced_topic_id"] == old_id
        assert action_counts(settings, "truth_action_counts") == CLICKS_6

        lambda_root = str(layout.root / "lambda")
        with pytest.raises(TopicRecreated) as refused:
            run_batch(settings)
        one_line_refusal(refused, "--data-dir", lambda_root, old_id, new_id)
        with pytest.raises(TopicRecreated) as refused:
            run_speed(settings, speed_options(until_caught_up=True))
        one_line_refusal(refused, "--data-dir", lambda_root)
        with pytest.raises(TopicRecreated) as refused:
            run_version(settings, 1, KAPPA)
        one_line_refusal(refused, "lk kappa run --version 2")
        for view in ("batch", "speed", "kappa"):  # nothing of the new log was mixed in
            assert action_counts(settings, f"{view}_action_counts") == VIEWS_4, view

        run_version(settings, 2, KAPPA)  # a new version: a new checkpoint, offset 0
        switch(settings, 2)
        assert action_counts(settings, "kappa_action_counts") == CLICKS_6

        shutil.rmtree(layout.root / "lambda")  # what the refusal says: Lambda starts over
        assert run_batch(settings)["ingest"]["records"] == 6
        for view in ("batch", "lambda"):  # (a fresh speed checkpoint is any first run)
            assert action_counts(settings, f"{view}_action_counts") == CLICKS_6, view


def test_state_without_a_recorded_id_adopts_it_then_refuses_a_new_topic(kafka, tmp_path):
    """Data directories from before ids were recorded keep working: the id is recorded on the
    next run; a topic recreated after that is refused like any other."""
    with single_partition_topic(kafka.bootstrap) as topic:
        settings = replace(kafka, topic=topic, data_dir=tmp_path)
        layout = Layout(tmp_path)
        last = {"topic": topic, "start": {"0": 0}, "end": {"0": 0}}  # an old offsets.json
        write_json(layout.ingest_run(1) / "offsets.json", last)
        options = speed_options(until_caught_up=True)
        older_engine = {"topic": topic, "logic_version": options.logic_version,
                        "watermark": options.watermark}  # fmt: skip
        write_json(layout.speed.state_file, older_engine)
        with pytest.raises(LkError) as refused:  # one query per view: its checkpoints differ
            check_same_job(settings, layout.speed, options)
        assert "older streaming engine" in str(refused.value) and "\n" not in str(refused.value)
        no_id = {**older_engine, "engine": ENGINE, "dedup_horizon": options.dedup_horizon}
        write_json(layout.speed.state_file, no_id)  # started when the broker gave no topic id

        current = ingest_module._checked_topic_id(layout, settings, last)
        check_same_job(settings, layout.speed, options)
        assert current == topic_id(kafka.bootstrap, topic)
        assert read_json(layout.ingest / ingest_module.TOPIC_FILE)["topic_id"] == current
        assert read_json(layout.speed.state_file)["topic_id"] == current
        check_same_job(settings, layout.speed, options)  # the same topic: accepted again

        recreate_topic(kafka.bootstrap, topic)
        with pytest.raises(TopicRecreated) as refused:
            ingest_module._checked_topic_id(layout, settings, last)
        one_line_refusal(refused, "--data-dir")
        with pytest.raises(TopicRecreated) as refused:
            check_same_job(settings, layout.speed, options)
        one_line_refusal(refused, str(layout.speed.root))
