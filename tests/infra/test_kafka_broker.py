"""The local broker: idempotent start, clear errors, topics made the contract's way, clean stop."""

import json
import os
import socket
import subprocess
import sys

import pytest

from core.errors import LkError
from core.kafka_client import ensure_topic, topic_config
from core.kafka_configs import retention_check_ms, set_topic_config
from core.net import free_port
from core.settings import Settings
from infra.kafka_broker import (
    RETENTION_CHECK_MS,
    broker_files,
    running_pid,
    start_broker,
    stop_broker,
)

pytestmark = pytest.mark.slow


def lk(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lk.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_up_is_idempotent(kafka):
    again = start_broker(kafka)
    assert not again.started_now
    assert again.pid == running_pid(broker_files(kafka))
    result = lk("kafka", "up", "--data-dir", str(kafka.data_dir), "--bootstrap", kafka.bootstrap)
    assert result.returncode == 0 and "already running" in result.stdout


def test_topics_stamp_ingestion_time_and_keep_everything(kafka, topic):
    config = topic_config(kafka.bootstrap, topic)
    assert config["message.timestamp.type"] == "LogAppendTime"
    assert config["retention.ms"] == "-1"
    assert ensure_topic(kafka.bootstrap, topic) is False  # it exists: left as it is


def test_a_topic_setting_is_changed_alone_and_a_refusal_is_one_line(kafka, topic):
    set_topic_config(kafka.bootstrap, topic, {"segment.ms": "60000"})
    config = topic_config(kafka.bootstrap, topic)
    assert config["segment.ms"] == "60000" and config["retention.ms"] == "-1"  # others kept
    assert config["message.timestamp.type"] == "LogAppendTime"
    with pytest.raises(LkError, match="Kafka refused .*retention.ms.*Not a number"):
        set_topic_config(kafka.bootstrap, topic, {"retention.ms": "soon"})
    # the broker checks retention every second (the retention scenario waits for a check)
    assert retention_check_ms(kafka.bootstrap) == RETENTION_CHECK_MS == 1_000


def test_status_lists_topics_with_end_offsets(kafka, topic):
    result = lk(
        "produce",
        "--events",
        "300",
        "--topic",
        topic,
        "--no-progress",
        "--data-dir",
        str(kafka.data_dir),
        "--bootstrap",
        kafka.bootstrap,
    )
    assert result.returncode == 0, result.stderr
    assert "records             300" in result.stdout
    status = lk(
        "kafka", "status", "--data-dir", str(kafka.data_dir), "--bootstrap", kafka.bootstrap
    )
    assert status.returncode == 0
    assert "local broker: running" in status.stdout and "Kafka 4." in status.stdout
    line = next(line for line in status.stdout.splitlines() if topic in line)
    assert "4 partition(s), 300 records" in line
    where = ("--data-dir", str(kafka.data_dir), "--bootstrap", kafka.bootstrap)
    as_json = lk("kafka", "status", "--json", *where)
    state = json.loads(as_json.stdout)
    assert as_json.returncode == 0 and state["answering"] and state["broker"]["pid"]
    assert state["topics"][topic]["partitions"] == 4 and state["topics"][topic]["records"] == 300


def test_automatic_topic_creation_is_off(kafka):
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, max_block_ms=3_000)
    try:
        with pytest.raises(Exception, match="not present in metadata|Timeout"):
            producer.send("never-created", b"x").get(timeout=5)
    finally:
        producer.close()


def test_a_taken_port_is_one_clear_line(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = lk("kafka", "up", "--data-dir", str(tmp_path), "--bootstrap", f"127.0.0.1:{port}")
    assert result.returncode == 1
    assert result.stderr.startswith("lk: error: port") and "taken" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_jars_and_missing_broker_are_one_clear_line(tmp_path):
    result = lk("kafka", "up", "--data-dir", str(tmp_path), env={"LK_JARS_DIR": str(tmp_path)})
    assert result.returncode == 1 and "run `make setup`" in result.stderr
    result = lk("produce", "--events", "5", "--bootstrap", f"127.0.0.1:{free_port()}")
    assert result.returncode == 1 and "no Kafka broker answers" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_down_leaves_no_process_behind(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path, bootstrap=f"127.0.0.1:{free_port()}")
    state = start_broker(settings)
    assert os.path.exists(f"/proc/{state.pid}")
    assert stop_broker(settings) == state.pid
    assert not os.path.exists(f"/proc/{state.pid}")
    assert running_pid(broker_files(settings)) is None
    assert stop_broker(settings) is None  # a second down is harmless
    again = start_broker(settings)  # the port's TIME_WAIT sockets do not block a restart
    assert again.started_now and again.pid != state.pid
    assert stop_broker(settings) == again.pid


def test_start_refuses_a_non_loopback_bootstrap(tmp_path):
    settings = Settings.from_env(data_dir=tmp_path, bootstrap="10.1.2.3:9092")
    with pytest.raises(LkError, match="loopback"):
        start_broker(settings)


def test_a_request_the_broker_refuses_is_one_clear_line(kafka):
    result = lk(
        "produce",
        "--events",
        "5",
        "--topic",
        "needs-two-replicas",
        "--replication-factor",
        "2",
        "--bootstrap",
        kafka.bootstrap,
    )
    assert result.returncode == 1 and "refused" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
