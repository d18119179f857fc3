"""`lk airflow ...`: its own actions, and any other airflow command passed through."""

from __future__ import annotations

import argparse

from core.settings import Settings
from lk import cli_airflow


def run(*argv: str) -> int:
    """Parse and run like `lk` does (the same common settings flags), with only `airflow` added."""
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    for flag in ("--data-dir", "--bootstrap", "--topic", "--spark-master"):
        common.add_argument(flag)
    parser = argparse.ArgumentParser(prog="lk", parents=[common])
    cli_airflow.register(parser.add_subparsers(), common)
    args = parser.parse_args(argv)
    return args.run(Settings.from_env(data_dir=getattr(args, "data_dir", None)), args)


def test_status_says_what_is_not_running(tmp_path, capsys):
    assert run("airflow", "status", "--data-dir", str(tmp_path)) == 1
    out = capsys.readouterr().out
    assert "scheduler       not running" in out
    assert f"AIRFLOW_HOME    {tmp_path / 'airflow'}" in out


def test_other_commands_go_to_airflow_with_the_project_home(tmp_path, capfd):
    assert (
        run("airflow", "--data-dir", str(tmp_path), "config", "get-value", "core", "dags_folder")
        == 0
    )
    assert capfd.readouterr().out.strip().endswith("/dags")
    assert (tmp_path / "airflow" / "airflow.db").exists()


def test_down_when_nothing_runs(tmp_path, capsys):
    assert run("airflow", "down", "--data-dir", str(tmp_path)) == 0
    assert "Airflow was not running" in capsys.readouterr().out
