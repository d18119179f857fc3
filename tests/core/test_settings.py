"""The one settings object: environment, flags over environment, child processes, the
configuration page (docs/configuration.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import LkError
from core.settings import REPO_ROOT, VARIABLES, Settings, default_of


def test_defaults_come_from_the_one_table(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES:
        monkeypatch.delenv(variable.name, raising=False)
    settings = Settings.from_env()
    for variable in VARIABLES:
        value = getattr(settings, variable.field)
        expected = (
            Path(variable.default).resolve() if variable.field == "data_dir" else variable.default
        )
        assert value == expected, variable.name
    assert default_of("LK_TOPIC") == "user_events"


def test_flags_win_over_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LK_TOPIC", "from-env")
    monkeypatch.setenv("LK_SPARK_DRIVER_MEMORY", "3g")
    settings = Settings.from_env(topic="from-flag", data_dir=tmp_path, bootstrap=None)
    assert (settings.topic, settings.spark_driver_memory) == ("from-flag", "3g")
    assert settings.data_dir == tmp_path.resolve()
    with pytest.raises(LkError, match="unknown setting"):
        Settings.from_env(topics="typo")


def test_a_child_process_gets_every_setting_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LK_SPARK_CONF", "spark.executor.memory=2g")
    monkeypatch.delenv("LK_JARS_DIR", raising=False)
    settings = Settings.from_env(topic="t1")
    env = settings.as_env()
    assert env["LK_TOPIC"] == "t1" and env["LK_SPARK_CONF"] == "spark.executor.memory=2g"
    assert "LK_JARS_DIR" not in env  # unset stays unset
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env() == settings


def test_the_configuration_page_lists_every_variable() -> None:
    page = (REPO_ROOT / "docs" / "configuration.md").read_text()
    missing = [variable.name for variable in VARIABLES if f"`{variable.name}`" not in page]
    assert not missing, f"docs/configuration.md does not list {missing}"
