"""Plates read in worker processes: the same plates as in threads, a broken one with its error, and
a worker that dies costs nothing (its plates are read in the caller)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from imaging_explorer.screen import iter_screen_plates, plate_processes, screen_entries
from imaging_explorer.screen.index import ScreenEntry


@pytest.fixture
def entries(screen_folder: Path, tmp_path: Path) -> list[ScreenEntry]:
    broken = tmp_path / "broken.zarr"
    broken.mkdir()
    (broken / "zarr.json").write_text("{ not json", encoding="utf-8")
    return [*screen_entries(screen_folder / "index.csv"), ScreenEntry(str(broken))]


def _by_index(plates) -> dict:
    return {p.index: p for p in plates}


def test_processes_give_the_plates_threads_give(entries) -> None:
    threads = _by_index(iter_screen_plates(entries))
    processes = _by_index(iter_screen_plates(entries, workers=2, processes=True))
    assert sorted(processes) == sorted(threads) == [0, 1, 2, 3]
    for i, plate in threads.items():
        other = processes[i]
        assert (other.name, other.status, other.rows, other.columns) == (plate.name, plate.status, plate.rows, plate.columns)
        if plate.calls is not None:
            pd.testing.assert_frame_equal(other.calls, plate.calls)
            assert other.qc.z_prime == pytest.approx(plate.qc.z_prime)
    assert "JSON" in processes[3].error and processes[2].status.startswith("failed QC")


def test_a_worker_that_dies_costs_only_time(entries, monkeypatch) -> None:
    command, env = plate_processes._worker_command()
    dies = [sys.executable, "-c", "import sys; sys.stdin.buffer.read(); sys.exit(3)"]
    monkeypatch.setattr(plate_processes, "_worker_command", lambda: (dies, env))
    monkeypatch.setattr(plate_processes, "_waiting", [])  # none started ahead by another test
    plates = _by_index(iter_screen_plates(entries, workers=2, processes=True))
    assert sorted(plates) == [0, 1, 2, 3]  # read here instead
    assert [plates[i].passed for i in range(3)] == [True, True, False]


def test_closing_early_stops_the_workers(entries, monkeypatch) -> None:
    started = []
    real_popen = plate_processes.subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(plate_processes.subprocess, "Popen", popen)
    monkeypatch.setattr(plate_processes, "_waiting", [])
    plates = iter_screen_plates(entries, workers=2, processes=True)
    next(plates)
    plates.close()
    assert len(started) == 2 and all(proc.poll() is not None for proc in started)


def test_readers_started_ahead_are_used_once(entries, monkeypatch) -> None:
    monkeypatch.setattr(plate_processes, "_waiting", [])
    plate_processes.prestart_readers(2)
    ahead = list(plate_processes._waiting)
    plate_processes.prestart_readers(2)  # already waiting: none more
    assert len(ahead) == 2 and plate_processes._waiting == ahead
    monkeypatch.setattr(plate_processes, "_start", lambda: pytest.fail("a reader started though two were waiting"))
    plates = _by_index(iter_screen_plates(entries, workers=2, processes=True))
    assert sorted(plates) == [0, 1, 2, 3] and plate_processes._waiting == []
    assert all(proc.poll() is not None for proc in ahead)  # they did the work and ended
