"""The Spark cluster's pure parts: the master's address, the workers' caps, what `status`
prints, and the settings an application gets on a cluster (no JVM started)."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from core.errors import LkError
from core.settings import Settings
from core.spark import cluster_conf
from infra.spark_master import master_address, memory_in_mb, status_lines, worker_resources


def test_master_address_from_the_spark_master_setting():
    assert master_address("local[2]") == ("127.0.0.1", 7077)
    assert master_address("spark://127.0.0.1:7177") == ("127.0.0.1", 7177)
    assert master_address("spark://localhost:7277") == ("127.0.0.1", 7277)
    with pytest.raises(LkError, match="on this machine"):
        master_address("spark://10.0.0.5:7077")
    with pytest.raises(LkError, match="spark://HOST:PORT"):
        master_address("spark://127.0.0.1")


def test_worker_caps_share_the_machine_out():
    cores = os.cpu_count() or 1
    assert worker_resources(1, None, None) == (cores, "2048m")
    assert worker_resources(2, 1, "1g") == (1, "1024m")
    with pytest.raises(LkError, match="cores"):
        worker_resources(2, cores, None)
    with pytest.raises(LkError, match="memory"):
        worker_resources(2, 1, "100000g")
    assert memory_in_mb("512m") == 512
    for wrong in ("2", "1.5g", "0g", "2t"):
        with pytest.raises(LkError, match="512m or 2g"):
            memory_in_mb(wrong)


def test_status_lines():
    recorded = {"master_url": "spark://127.0.0.1:7077", "web_ui": "http://127.0.0.1:8081"}
    assert "lk spark up" in status_lines(None, {})[0]
    assert "is not running" in status_lines(None, recorded)[0]
    worker = {"id": "worker-1", "state": "ALIVE", "cores": 1, "coresused": 1}
    worker |= {"memory": 1024, "memoryused": 1024}
    app = {"id": "app-1", "name": "lk-kappa-v1", "state": "RUNNING", "cores": 1}
    app |= {"memoryperexecutor": 1024}
    state = {"url": recorded["master_url"], "status": "ALIVE", "workers": [worker]}
    state |= {"cores": 1, "coresused": 1, "memory": 1024, "memoryused": 1024}
    state |= {"activeapps": [app], "completedapps": []}
    lines = status_lines(state, recorded)
    assert lines[1].startswith("workers: 1 alive of 1; cores 1/1 used")
    assert "lk-kappa-v1  RUNNING  cores 1" in lines[4]


def test_application_settings_on_a_cluster():
    settings = Settings.from_env(spark_master="local[2]", spark_conf="")
    local = cluster_conf(settings)
    assert local == {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
    loopback = cluster_conf(replace(settings, spark_master="spark://127.0.0.1:7077"))
    assert loopback["spark.driver.bindAddress"] == "127.0.0.1"
    assert loopback["spark.cores.max"] == settings.spark_cores_max
    assert loopback["spark.executor.memory"] == settings.spark_executor_memory
    remote = cluster_conf(replace(settings, spark_master="spark://spark-master:7077"))
    assert "spark.driver.host" not in remote and "spark.cores.max" in remote
    yarn = cluster_conf(replace(settings, spark_master="yarn"))
    assert "spark.cores.max" not in yarn and "spark.executor.memory" in yarn
