"""``imaging-explorer analyze`` end to end on a small sample plate: progress, results, resume,
a plate served over HTTP, and one ``imaging-explorer: error: ...`` line for every bad option."""

from __future__ import annotations

import socket
from pathlib import Path

import pandas as pd
import pytest

import imaging_explorer as ie
from imaging_explorer.analysis import field_task, schedulers
from imaging_explorer.analysis.results_store import open_results
from imaging_explorer.cli import main

PREFIX = "imaging-explorer: error: "
FLAGS = ("--out", "--scheduler", "--workers", "--processes", "--nuclei-channel", "--cell-channel",
         "--pathogen-channel", "--z", "--t", "--overwrite")


@pytest.fixture(scope="module")
def plate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "plate.zarr"
    return Path(ie.make_sample_plate(out, rows=2, columns=3, fields=1, size=128).plate)


@pytest.fixture(scope="module")
def analysed(plate: Path) -> Path:
    """The plate analysed once by the command, into its default folder beside it."""
    assert main(["analyze", str(plate), "--workers", "2"]) == 0
    return plate.with_name("plate.analysis")


def _error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the command; assert exit 2 and exactly one line on stderr; return that line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith(PREFIX) and "Traceback" not in err, err
    return err.strip()


def test_help_lists_every_flag(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["analyze", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert all(flag in text for flag in FLAGS) and "LOCATION".lower() in text.lower()
    assert "resumes" in text and "labels.zarr" in text


def test_analyze_end_to_end_then_resume(plate, analysed, capsys, tmp_path):
    capsys.readouterr()
    out = tmp_path / "again"
    assert main(["analyze", str(plate), "--out", str(out), "--workers", "2", "--nuclei-channel", "DAPI",
                 "--cell-channel", "1", "--pathogen-channel", "pathogen", "--z", "max", "--t", "0"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == "channels: nuclei DAPI, cell Cell, pathogen Pathogen"
    assert lines[1] == f"results in {out}"
    assert lines[2].startswith("5 fields: 5 analysed, 0 done before, 0 failed in ") and " nuclei, " in lines[2]
    assert "fields 5/5" in captured.err.splitlines()
    fields = open_results(out).fields
    assert len(fields) == 5 and f"{int(fields['nuclei_count'].sum()):,} nuclei" in lines[2]
    pd.testing.assert_frame_equal(fields, open_results(analysed).fields)  # same as the default run
    assert main(["analyze", str(plate), "--out", str(out)]) == 0  # names guessed: the same roles
    assert "5 fields: 0 analysed, 5 done before, 0 failed" in capsys.readouterr().out


def test_a_plate_served_over_http_with_out_to_a_local_folder(plate, analysed, capsys, tmp_path):
    from http_server import serve

    with serve(plate.parent) as url:
        assert main(["analyze", f"{url}/plate.zarr", "--out", str(tmp_path / "r"), "--workers", "2"]) == 0
    assert f"results in {tmp_path / 'r'}" in capsys.readouterr().out
    remote, local = open_results(tmp_path / "r"), open_results(analysed)
    assert remote.manifest["plate"] == f"{url}/plate.zarr"
    for name in ("objects", "fields", "wells", "problems"):
        pd.testing.assert_frame_equal(getattr(remote, name), getattr(local, name), obj=name)


def test_a_failed_field_is_listed_and_exits_1(plate, capsys, monkeypatch, tmp_path):
    def broken(field, *args, **kwargs):
        raise ValueError(f"cannot read {field.path}")

    monkeypatch.setattr(field_task, "analyze_times", broken)
    assert main(["analyze", str(plate), "--out", str(tmp_path / "r"), "--workers", "1"]) == 1
    captured = capsys.readouterr()
    assert "field A/1/0 failed: ValueError: cannot read A/1/0" in captured.err
    assert "5 fields: 0 analysed, 0 done before, 5 failed" in captured.out
    results = open_results(tmp_path / "r")  # empty tables, with their columns and types
    assert results.fields.empty and list(results.fields.columns[:5]) == ["well", "field", "t", "path", "nuclei_count"]
    assert str(results.wells["nuclei_count"].dtype) == "Int64" and len(results.problems) == 6


def test_ctrl_c_stops_between_fields_and_a_second_run_resumes(plate, capsys, monkeypatch, tmp_path):
    import os
    import signal

    real, calls = field_task.analyze_times, []

    def interrupted(field, *args, **kwargs):
        calls.append(field.path)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGINT)  # as the user pressing Ctrl-C during the second field
        return real(field, *args, **kwargs)

    monkeypatch.setattr(field_task, "analyze_times", interrupted)
    out = str(tmp_path / "r")
    assert main(["analyze", str(plate), "--out", out, "--workers", "1"]) == 130
    err = capsys.readouterr().err
    assert "stopping after the fields in flight" in err
    assert "interrupted: 5 fields: 2 analysed, 0 done before, 0 failed" in err and "run the same command again" in err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    assert main(["analyze", str(plate), "--out", out, "--workers", "1"]) == 0
    assert "5 fields: 3 analysed, 2 done before, 0 failed" in capsys.readouterr().out
    assert len(calls) == 5


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_bad_option_is_one_error_line(plate, analysed, capsys, monkeypatch, tmp_path):
    p = str(plate)
    assert "no such file or folder" in _error(capsys, ["analyze", str(tmp_path / "none.zarr")])
    line = _error(capsys, ["analyze", p, "--nuclei-channel", "Hoechst"])
    assert "no nuclei channel 'Hoechst'; the channels are 0: DAPI, 1: Cell, 2: Pathogen" in line
    assert "cell channel 7 is out of range" in _error(capsys, ["analyze", p, "--cell-channel", "7"])
    line = _error(capsys, ["analyze", p, "--nuclei-channel", "DAPI", "--pathogen-channel", "0"])
    assert "given for both nuclei and pathogen" in line
    assert "--z (max or a plane index) must be a whole number, got 'top'" in _error(capsys, ["analyze", p, "--z", "top"])
    assert "--z 2: the fields have 1 z plane(s)" in _error(capsys, ["analyze", p, "--z", "2"])
    assert "--t (all or a time point) must be at least 0, got -1" in _error(capsys, ["analyze", p, "--t", "-1"])
    assert "--t 1: the fields have 1 t plane(s)" in _error(capsys, ["analyze", p, "--t", "1"])
    assert "--workers must be at least 1, got 0" in _error(capsys, ["analyze", p, "--workers", "0"])
    assert "has its own workers" in _error(capsys, ["analyze", p, "--scheduler", "tcp://h:1", "--processes"])
    assert "not a dask scheduler address: 'here'" in _error(capsys, ["analyze", p, "--scheduler", "here"])
    monkeypatch.setattr(schedulers, "CONNECT_TIMEOUT_S", 0.5)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    assert f"no dask scheduler answers at {address}" in _error(capsys, ["analyze", p, "--scheduler", address])
    assert "cannot go inside the plate" in _error(capsys, ["analyze", p, "--out", str(plate / "results")])
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    assert f"{a_file}: exists and is not a folder" in _error(capsys, ["analyze", p, "--out", str(a_file)])
    # a store made with other parameters: refused, replaced only with --overwrite
    line = _error(capsys, ["analyze", p, "--z", "0"])
    assert f"{analysed}: made with other parameters (analysis.z: \"max\" -> 0)" in line and "--overwrite" in line
    assert not (tmp_path / "none.zarr").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_overwrite_replaces_a_store_of_other_parameters(plate, capsys, tmp_path):
    out = str(tmp_path / "r")
    assert main(["analyze", p := str(plate), "--out", out, "--workers", "2"]) == 0
    assert main(["analyze", p, "--out", out, "--z", "0", "--overwrite", "--workers", "2"]) == 0
    assert "5 fields: 5 analysed, 0 done before" in capsys.readouterr().out
    assert open_results(out).parameters["analysis"]["z"] == 0
