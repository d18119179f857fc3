"""Disk bytes per architecture: what each must keep at its live peak (Kappa with the whole log),
and the output's growth during the rebuild (Kreps's "twice the storage while reprocessing")."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from experiments.experiment.disk import DiskMeter, folder_bytes


def _parts(master: int, batch: int, speed: int, kappa: int, log: int | None) -> dict:
    return {"master": master, "batch": batch, "speed": speed, "kappa": kappa, "log": log}


def test_peaks_are_the_live_phase_and_the_rebuild_is_measured_on_the_output(tmp_path) -> None:
    meter = DiskMeter(Settings.from_env(data_dir=tmp_path, bootstrap="127.0.0.1:1"))
    meter.series = [
        (0.0, "live", _parts(0, 0, 0, 0, None)),  # the log not asked yet
        (1.0, "live", _parts(100, 20, 30, 40, 50)),
        (2.0, "live", _parts(200, 40, 30, 80, 90)),
        (3.0, "recompute", _parts(200, 80, 30, 150, 90)),  # both rebuild beside the old
        (4.0, "recompute", _parts(200, 60, 30, 170, 90)),
    ]
    figures = meter.figures()
    assert figures["lambda"] == {"peak_bytes": 270, "end_bytes": 290, "reprocess_ratio": 2.0}
    assert figures["kappa"] == {"peak_bytes": 170, "end_bytes": 260, "reprocess_ratio": 2.125}
    assert figures["shared"] == {"peak_bytes": 90, "end_bytes": 90, "reprocess_ratio": None}
    rows = meter.records(started=1.0)
    assert {"t_s": 1.0, "architecture": "kappa", "bytes": 80} in rows
    assert not any(row["architecture"] == "shared" and row["t_s"] == -1.0 for row in rows)


def test_bytes_are_what_files_take_on_disk(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "full").write_bytes(b"x" * 10_000)
    with (tmp_path / "a" / "sparse").open("wb") as sparse:
        sparse.truncate(10 * 2**20)  # 10 MiB apparent, nothing written: as Kafka's indexes
    assert 10_000 <= folder_bytes(tmp_path / "a") < 2**20
    assert folder_bytes(tmp_path / "missing") == 0
