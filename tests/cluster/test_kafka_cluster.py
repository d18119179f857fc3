"""A 3-broker KRaft cluster on loopback (`lk kafka up --brokers 3`): replicated topics, a
partition's leader SIGKILLed while `lk produce` sends (nothing lost, nothing doubled, the oracle
and a Kappa replay unchanged), and two brokers down (writes refused, not kept on one copy).

One cluster for the module, on free ports in a temporary data directory, stopped by PID after.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace

import pytest

from core.kafka_client import end_offsets, ensure_topic, topic_config
from core.layout import Layout
from core.net import free_port
from core.processes import alive
from core.settings import Settings
from experiments.compare import compare_with_truth
from infra.kafka_broker import running_pid
from infra.kafka_cluster import start_cluster, stop_cluster
from infra.kafka_nodes import cluster_nodes, node_files, registered_brokers
from oracle.truth import compute_truth
from tests.cluster.broker_failures import (
    generated_values,
    kill_node,
    leader,
    lk,
    log_figures,
    oracle_rows_of,
    partitions,
    served_events,
    start_lk,
    streaming_jobs,
    truth_rows,
    wait_fully_replicated,
    wait_new_leader,
    wait_until,
)

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

RATE, DURATION, SEED = 400, 15, 14
"""The paced run the leader is killed in: 400 events/s for 15 s (6,000 records)."""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    """Settings for a 3-node cluster started the project's way; every node stopped after."""
    bootstrap = ",".join(f"127.0.0.1:{free_port()}" for _ in range(3))
    settings = Settings.from_env(
        data_dir=tmp_path_factory.mktemp("lk-cluster"), bootstrap=bootstrap, topic="unused"
    )
    started = time.monotonic()
    state = start_cluster(settings, 3)
    print(f"\ncluster of 3 up in {time.monotonic() - started:.1f} s at {state.bootstrap}")
    try:
        yield settings
    finally:
        stop_cluster(settings)
        assert all(node.pid is None for node in cluster_nodes(settings))


def new_topic(settings: Settings) -> str:
    name = f"cluster-{uuid.uuid4().hex[:10]}"
    assert ensure_topic(settings.bootstrap, name, partitions=4)
    return name


def test_three_brokers_and_topics_with_three_replicas(cluster):
    assert registered_brokers(cluster.bootstrap) == [1, 2, 3]
    topic = new_topic(cluster)
    described = partitions(cluster, topic)
    assert len(described) == 4
    assert all(sorted(p["replica_nodes"]) == [1, 2, 3] for p in described)
    config = topic_config(cluster.bootstrap, topic)
    assert config["min.insync.replicas"] == "2"
    assert config["message.timestamp.type"] == "LogAppendTime"

    again = lk(cluster, "kafka", "up", "--brokers", "3")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("already running") == 3
    status = lk(cluster, "kafka", "status")
    assert status.returncode == 0, status.stderr
    for node in cluster_nodes(cluster):
        assert f"node {node.node_id}: running (pid {node.pid}), port {node.port}" in status.stdout
    assert "brokers: [1, 2, 3]" in status.stdout and "voters 1, 2, 3" in status.stdout
    assert f"{topic}: 4 partition(s), 0 records, 3 replica(s), 0 under-replicated" in status.stdout


def test_leader_killed_while_producing_loses_and_doubles_nothing(cluster, tmp_path):
    topic = new_topic(cluster)
    settings = replace(cluster, topic=topic, data_dir=tmp_path)
    with streaming_jobs(settings, tmp_path) as jobs:
        summary, figures = produce_and_kill_a_leader(cluster, settings)
        sent = generated_values("steady", SEED, RATE, DURATION)
        figures = {**log_figures(settings, topic, sent), **figures}
        print(f"\nleader kill: {json.dumps(figures)}")
        assert figures["acknowledged"] == figures["sent"] == figures["present"]
        assert figures["missing"] == figures["extra_copies"] == 0

        truth = compute_truth(settings)
        assert truth["records_read"] == len(sent) and truth["duplicates"] == 0
        folder = Layout(settings.data_dir).truth_version("v1")
        assert truth_rows(folder) == oracle_rows_of(sent)

        for prefix in ("speed", "kappa"):
            wait_until(
                lambda prefix=prefix: served_events(settings, prefix) == len(sent),
                300,
                f"{prefix} never served all {len(sent)} events: "
                f"{(tmp_path / f'{prefix}.log').read_text()[-2000:]}",
            )
        assert all(job.poll() is None for job in jobs.values())  # live all along
    for prefix in ("speed", "kappa"):
        report = compare_with_truth(settings, prefix)
        for view in ("action_counts", "action_counts_sliding", "user_sessions", "user_totals"):
            for part in ("complete", "open"):
                rows = report[view][part]
                assert rows["missing"] == rows["extra"] == 0, (prefix, view, part, rows)


def produce_and_kill_a_leader(cluster: Settings, settings: Settings) -> tuple[dict, dict]:
    """Run `lk produce` paced, SIGKILL partition 0's leader once 3 s of records are in, start
    it again when the run has ended; the run's summary and the failure's figures (s)."""
    producer = start_lk(
        settings, "produce", "--duration", str(DURATION), "--rate", str(RATE),
        "--seed", str(SEED), "--no-progress", "--json",
    )  # fmt: skip
    try:
        while sum(end_offsets(settings.bootstrap, settings.topic).values()) < RATE * 3:
            assert producer.poll() is None, producer.communicate()
            time.sleep(0.2)
        victim = leader(settings, settings.topic)
        killed_at = time.monotonic()
        kill_node(cluster, victim)
        election = wait_new_leader(settings, settings.topic, victim)
        output, errors = producer.communicate(timeout=300)
    finally:
        if producer.poll() is None:
            producer.kill()
    assert producer.returncode == 0, errors
    produced_for = time.monotonic() - killed_at
    summary = json.loads(output)
    restarted = time.monotonic()
    start_cluster(cluster, 3)  # starts the killed node again
    in_sync = wait_fully_replicated(settings, settings.topic)
    return summary, {
        "acknowledged": summary["records"],
        "killed_node": victim,
        "new_leader_after_s": round(election, 2),
        "producer_seconds": summary["seconds"],
        "producer_ended_after_kill_s": round(produced_for, 1),
        "restart_and_back_in_sync_s": round(time.monotonic() - restarted, 1),
        "in_sync_after_restart_s": round(in_sync, 1),
    }


def test_two_brokers_down_refuse_writes_until_they_return(cluster, tmp_path):
    topic = new_topic(cluster)
    settings = replace(cluster, topic=topic, data_dir=tmp_path)
    wait_fully_replicated(settings, topic)
    keeper = leader(settings, topic)
    for node in (1, 2, 3):
        if node != keeper:
            kill_node(cluster, node)
    refused = lk(settings, "produce", "--events", "20", "--no-progress", "--delivery-timeout", "8")
    assert refused.returncode == 1
    line = refused.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line, line
    assert "not acknowledged by enough in-sync replicas" in line, line

    started = time.monotonic()
    start_cluster(cluster, 3)
    wait_fully_replicated(settings, topic)
    back = time.monotonic() - started
    kept_anyway = sum(end_offsets(settings.bootstrap, topic).values())
    accepted = lk(settings, "produce", "--events", "20", "--no-progress", "--json", "--seed", "2")
    assert accepted.returncode == 0, accepted.stderr
    assert json.loads(accepted.stdout)["records"] == 20
    assert sum(end_offsets(settings.bootstrap, topic).values()) == kept_anyway + 20
    print(
        f"\ntwo brokers down: refused with {line!r}; back in {back:.1f} s; of the 20 refused "
        f"records {kept_anyway} reached the log anyway (appended by the leader, replicated once "
        "the brokers returned, never acknowledged)"
    )


def test_down_stops_every_node(cluster):
    pids = [running_pid(node_files(cluster, k)) for k in (1, 2, 3)]
    assert all(pids)
    result = lk(cluster, "kafka", "down")
    assert result.returncode == 0, result.stderr
    assert "Kafka cluster stopped" in result.stdout
    assert all(running_pid(node_files(cluster, k)) is None for k in (1, 2, 3))
    assert not any(alive(pid) for pid in pids)


def test_a_node_that_cannot_start_is_one_line_and_the_others_stop(cluster):
    meta = node_files(cluster, 2).log_dirs / "meta.properties"
    meta.write_text(meta.read_text().replace("node.id=2", "node.id=7"))  # not node 2's storage
    result = lk(cluster, "kafka", "up", "--brokers", "3")
    assert result.returncode == 1
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line, line
    assert line.startswith("lk: error: Kafka node 2 exited while starting:"), line
    assert all(node.pid is None for node in cluster_nodes(cluster))
    print(f"\na node that cannot start: {line}")
