"""A Spark setting that would change the event contract is refused in one line, from
LK_SPARK_CONF before a JVM starts, and from any other source once the session runs."""

from __future__ import annotations

import pytest

from core.errors import LkError
from core.settings import Settings
from core.spark import spark_session
from core.spark_contract import CONTRACT_CONF, check_contract, refuse_contract_changes


@pytest.mark.parametrize(
    ("pair", "named"),
    [
        ("spark.sql.session.timeZone=Europe/Paris", "spark.sql.session.timeZone=Europe/Paris"),
        ("spark.sql.variant.allowDuplicateKeys=true", "allowDuplicateKeys=true"),
        ("spark.sql.ansi.enabled=false", "spark.sql.ansi.enabled=false"),
        ("spark.sql.timestampType=TIMESTAMP_NTZ", "TIMESTAMP_NTZ"),
        ("spark.sql.legacy.timeParserPolicy=LEGACY", "timeParserPolicy=LEGACY"),
        ("spark.sql.legacy.allowNegativeScaleOfDecimal=true", "allowNegativeScaleOfDecimal"),
    ],
)
def test_lk_spark_conf_that_changes_the_contract_is_refused_before_spark_starts(
    pair, named, tmp_path
):
    settings = Settings.from_env(spark_conf=f"spark.executor.memory=2g;{pair}", data_dir=tmp_path)
    with pytest.raises(LkError) as refused:
        spark_session(settings, "refused")
    message = str(refused.value)
    assert named in message and "\n" not in message and message.startswith("LK_SPARK_CONF: ")


@pytest.mark.parametrize("name", ["runs?2026", "runs, 2026", "back\\slash"])
def test_a_data_directory_no_tool_can_name_is_refused_in_one_line(name, tmp_path):
    with pytest.raises(LkError) as refused:
        Settings.from_env(data_dir=tmp_path / name)
    assert "choose another --data-dir" in str(refused.value) and "\n" not in str(refused.value)


def test_the_contract_values_and_other_settings_pass():
    refuse_contract_changes(
        {"spark.sql.session.timeZone": "utc", "spark.executor.memory": "2g",
         "spark.sql.shuffle.partitions": "4"}
    )  # fmt: skip


def test_a_running_session_with_another_time_zone_is_refused(spark):
    check_contract(spark)  # the shared session holds the contract
    key = "spark.sql.session.timeZone"
    spark.conf.set(key, "Asia/Tokyo")
    try:
        with pytest.raises(LkError, match="Asia/Tokyo"):
            check_contract(spark)
    finally:
        spark.conf.set(key, CONTRACT_CONF[key])
    check_contract(spark)
