"""Kappa: a replay killed with SIGKILL resumes to the same output; a v2 replay is switched in
while a reader queries and rolled back, and the reader only ever sees one whole version."""

from dataclasses import replace

import pytest

from architectures.kappa_architecture import retire, rollback, run_version, switch
from core.atomic import write_json
from core.errors import LkError
from core.heartbeat import read_pulse
from core.layout import Layout
from experiments.compare import compare_with_truth
from kappa.job import KappaOptions, run_kappa
from kappa.versions import serving
from oracle.truth import compute_truth
from serving_layer.catalog import refresh_catalog
from serving_layer.query import run_query
from tests.processes import LoopingReader, kill_after_micro_batches, serving_rows
from workloads.generator import generate
from workloads.producer import send_records
from workloads.scenarios import SCENARIOS

pytestmark = pytest.mark.slow

NO_DROPS = {"watermark": "1 hour", "replay_max_offsets": 400}
"""A watermark longer than any lateness in the stream, and small replay batches (many of them)."""


def test_killed_replay_resumes_with_identical_output(kafka, topic, spark, tmp_path):
    records = list(generate(SCENARIOS["dirty"], seed=41, events=4000))
    send_records(records, kafka.bootstrap, topic, paced=False, total=None)
    killed = replace(kafka, topic=topic, data_dir=tmp_path / "killed")
    reference = replace(kafka, topic=topic, data_dir=tmp_path / "reference")

    arguments = [
        "kappa", "run", "--version", "1", "--watermark", NO_DROPS["watermark"],
        "--replay-max-offsets", str(NO_DROPS["replay_max_offsets"]),
    ]  # fmt: skip
    folder = Layout(killed.data_dir).kappa_version(1).view_files("action_counts")
    written = kill_after_micro_batches(arguments, killed, folder, 3, tmp_path / "kappa.log")
    assert written < len(records) / NO_DROPS["replay_max_offsets"], "killed after the replay"
    heartbeat = Layout(killed.data_dir).kappa_version(1).heartbeat
    assert not read_pulse(heartbeat).stopped  # SIGKILLed: it never said it stopped

    options = KappaOptions(until_caught_up=True, **NO_DROPS)
    resumed = run_kappa(killed, 1, options)
    run_kappa(reference, 1, options)
    for settings in (killed, reference):
        switch(settings, 1)
    assert resumed["dropped_late"] == 0
    assert read_pulse(heartbeat).stopped  # the resumed run ended cleanly and said so
    assert serving_rows(killed, "kappa") == serving_rows(reference, "kappa")
    rejected = run_query(killed, "SELECT count(*) FROM rejected_events WHERE found_by = 'kappa-v1'")
    assert rejected[1][0][0] == sum(r.kind == "malformed" for r in records)


def test_v2_switch_and_rollback_while_a_reader_queries(kafka, topic, spark, tmp_path):
    settings = replace(kafka, topic=topic, data_dir=tmp_path)
    # 12 minutes of event time in order (2 s of jitter): sessions close behind a 1-minute watermark.
    records = list(generate(SCENARIOS["steady"], seed=42, events=6000))
    send_records(records, kafka.bootstrap, topic, paced=False, total=None)
    v1 = KappaOptions(until_caught_up=True, watermark="1 minute")
    run_version(settings, 1, v1)  # the first version goes into service by itself
    v1_rows = run_query(settings, "SELECT count(*), sum(events) FROM kappa_user_sessions")[1][0]

    sessions = "SELECT count(*), coalesce(sum(events), 0) FROM kappa_user_sessions"
    with LoopingReader(settings, sessions, tmp_path) as reader:
        run_version(settings, 2, replace(v1, logic_version="v2"))  # a 10-minute session gap
        assert serving(Layout(tmp_path))["current"] == 1  # a later version waits for a switch
        switched = switch(settings, 2)
        v2_rows = run_query(settings, "SELECT count(*), sum(events) FROM kappa_user_sessions")[1][0]
        assert switched["previous"] == 1
        with pytest.raises(LkError, match="in service"):
            retire(settings, 2)
        compare_v2_with_its_own_oracle(settings)
        rolled = rollback(settings)
        assert rolled["current"] == 1 and rolled["previous"] == 2
    after_rollback = run_query(settings, "SELECT count(*), sum(events) FROM kappa_user_sessions")
    assert after_rollback[1][0] == v1_rows
    assert v1_rows[0] > 0 and v2_rows[0] > 0
    assert v2_rows != v1_rows  # a 10-minute gap: other sessions, so the reader can tell

    assert not reader.errors, reader.errors[:3]
    whole_versions = {tuple(map(str, v1_rows)), tuple(map(str, v2_rows))}
    assert set(reader.results) <= whole_versions, "a mix of versions was visible"
    assert len(reader.results) >= 5

    status = run_query(
        settings, "SELECT component, version, logic_version, in_service FROM serving_status"
    )[1]
    assert ("kappa", 1, "v1", True) in status

    half_built = Layout(tmp_path).kappa_version(3)  # started, never finished its replay
    write_json(half_built.state_file, {"logic_version": "v1", "watermark": "1 minute"})
    with pytest.raises(LkError, match="has not finished replaying"):
        switch(settings, 3)

    retire(settings, 2)
    assert run_query(settings, "SELECT count(*) FROM rejected_events")[1][0][0] >= 0
    assert serving(Layout(tmp_path))["previous"] is None
    assert not Layout(tmp_path).kappa_version(2).root.exists()


def compare_v2_with_its_own_oracle(settings) -> None:
    """`lk compare` on v2 in service compares with the v2 oracle: its sessions (10-minute gap)
    match that oracle exactly where final, and could not match the v1 oracle (5 minutes)."""
    compute_truth(settings, "v1")
    compute_truth(settings, "v2")
    refresh_catalog(settings)  # as `lk truth` does
    report = compare_with_truth(settings, "kappa")
    assert report["logic_version"] == "v2"
    final = report["user_sessions"]["complete"]
    assert final["matching"] > 0 and final["missing"] == final["extra"] == 0, final
    _, [(v1_sessions,)] = run_query(settings, "SELECT count(*) FROM truth_v1_user_sessions")
    _, [(v2_sessions,)] = run_query(settings, "SELECT count(*) FROM truth_v2_user_sessions")
    assert v1_sessions > v2_sessions  # a longer gap merges sessions: the two oracles differ
