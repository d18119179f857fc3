"""The command line: every command has help, and a wrong flag is one readable line."""

import json
import os
import subprocess
import sys

import pytest

from lk.cli import build_parser, main


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("kafka", "produce", "bench"):
        assert command in out


def test_settings_flags_work_before_and_after_the_subcommand():
    parser = build_parser()
    after = parser.parse_args(["kafka", "status", "--topic", "t1", "--data-dir", "/tmp/x"])
    assert after.topic == "t1" and after.data_dir == "/tmp/x"
    before = parser.parse_args(["--topic", "t2", "--data-dir", "/tmp/y", "kafka", "status"])
    assert before.topic == "t2" and before.data_dir == "/tmp/y"
    mixed = parser.parse_args(["--topic", "t3", "produce", "--events", "1", "--bootstrap", "h:1"])
    assert (mixed.topic, mixed.bootstrap) == ("t3", "h:1")


@pytest.mark.parametrize(
    "argv",
    [
        ["produce", "--events", "-3"],
        ["produce", "--events", "ten"],
        ["produce", "--rate", "5"],
        ["kafka", "sideways"],
        ["produce", "--events", "5", "--duration", "3"],
    ],
)
def test_a_wrong_flag_is_a_usage_error_not_a_stack_trace(argv):
    result = subprocess.run(
        [sys.executable, "-m", "lk.cli", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("lk ")


def test_a_data_directory_no_tool_can_name_is_one_line(capsys, tmp_path):
    code = main(["kappa", "status", "--data-dir", str(tmp_path / "runs?2026")])
    assert code == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("lk: error: the data directory ") and "\n" not in error
    assert "choose another --data-dir" in error


def test_an_unknown_scenario_is_one_line(capsys):
    code = main(["produce", "--events", "5", "--scenario", "nope", "--bootstrap", "127.0.0.1:1"])
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        "lk: error: unknown scenario 'nope'; choose one of: steady, late-data, dirty, burst"
    )


@pytest.mark.parametrize("job", [["lambda", "speed"], ["kappa", "run"]])
def test_a_dedup_horizon_below_the_watermark_is_one_line(job, capsys, tmp_path):
    argv = [*job, "--dedup-horizon", "1 minute", "--watermark", "10 minutes"]
    code = main([*argv, "--bootstrap", "127.0.0.1:1", "--data-dir", str(tmp_path)])
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        "lk: error: the dedup horizon '1 minute' is shorter than the watermark '10 minutes': "
        "an id must be remembered at least as long as an event may be late"
    )


def test_python_dash_m_lk_prints_every_version():
    result = subprocess.run(
        [sys.executable, "-m", "lk", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = dict(line.split(maxsplit=1) for line in result.stdout.strip().splitlines())
    assert list(found) == ["lk", "Python", "Java", "Kafka", "Spark", "Airflow", "DuckDB"]
    import duckdb
    import pyspark

    assert found["Spark"] == pyspark.__version__ and found["DuckDB"] == duckdb.__version__
    assert found["Python"] == ".".join(map(str, sys.version_info[:3]))


def test_the_shell_completes_commands(tmp_path):
    answer = tmp_path / "completions"
    env = {**os.environ, "_ARGCOMPLETE": "1", "COMP_LINE": "lk ka", "COMP_POINT": "5",
           "_ARGCOMPLETE_STDOUT_FILENAME": str(answer), "_ARGCOMPLETE_IFS": "\n"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "lk"], env=env, capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert set(answer.read_text().split()) == {"kafka", "kappa"}


@pytest.mark.parametrize("service", ["kafka", "spark", "airflow"])
def test_every_status_command_speaks_json(service, tmp_path):
    env = {**os.environ, "LK_DATA_DIR": str(tmp_path), "LK_BOOTSTRAP": "127.0.0.1:1",
           "LK_SPARK_MASTER": "local[2]"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "lk", service, "status", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # nothing runs here
    state = json.loads(result.stdout)
    assert state.get("running", state.get("answering")) is False
