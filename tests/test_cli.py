"""The imaging-explorer command: sample, info, validate (open and demo are tested with napari)."""

from __future__ import annotations

import json
import warnings

import pytest
from builders import hand_plate

from imaging_explorer.cli import main


def test_sample_then_info(tmp_path, capsys):
    path = tmp_path / "s.zarr"
    assert main(["sample", str(path), "--rows", "3", "--columns", "4", "--fields", "2", "--size", "128", "--ngff", "0.4"]) == 0
    assert path.is_dir() and "wrote" in capsys.readouterr().out
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "NGFF 0.4 (zarr v2)" in out
    assert "3 rows (A…C) × 4 columns (1…4)" in out
    assert "wells: 11 present, 1 missing" in out  # the sample leaves one well out of the store on purpose
    assert "fields per well: 2 (11 wells)" in out
    assert "DAPI" in out and "Pathogen" in out
    assert "labels: nuclei (22 of 22 fields)" in out
    # an existing plate is not overwritten
    assert main(["sample", str(path), "--rows", "3", "--columns", "4"]) == 2
    assert "exists" in capsys.readouterr().err


def test_validate_exit_codes(tmp_path, capsys):
    good = hand_plate(tmp_path / "good.zarr")
    assert main(["validate", str(good)]) == 0
    assert "conformant" in capsys.readouterr().out
    bad = hand_plate(tmp_path / "bad.zarr")
    doc = json.loads((bad / "zarr.json").read_text())
    doc["attributes"]["ome"]["plate"]["columns"] = []
    (bad / "zarr.json").write_text(json.dumps(doc))
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "columns" in out and "problem" in out


def test_info_on_bad_input_says_what_is_wrong(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nope.zarr")]) == 2
    err = capsys.readouterr().err
    assert "nope.zarr" in err and "no such" in err


def test_help_explains_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for word in ("sample", "info", "validate", "open", "demo", "LOCATION"):
        assert word in out


def test_info_does_not_leak_warnings(tmp_path, capsys):
    path = hand_plate(tmp_path / "p.zarr", write_wells=("A/1",))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["info", str(path)]) == 0
    assert "missing B/2" in capsys.readouterr().out


def test_open_refuses_an_address_with_a_bad_well_before_qt(tmp_path, capsys, monkeypatch):
    """``open plate.zarr#Z99`` is one error line, checked from the plate's documents before napari
    or Qt start (no display here: a check that came later would say "no display" instead)."""
    from imaging_explorer._napari import launch

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(launch, "open_in_napari", lambda *a, **k: pytest.fail("napari started"))
    plate = hand_plate(tmp_path / "plate.zarr")  # wells A/1 and B/2, one field each

    def error_of(address: str) -> str:
        assert main(["open", address]) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and err.startswith("imaging-explorer: error: "), err
        return err.strip()

    assert error_of(f"{plate}#Z01/1") == f"imaging-explorer: error: {plate}#Z01/1: 'Z01': this plate has no row 'Z' " \
                                         "(rows A..B)"
    assert "well A2 is not in this plate" in error_of(f"{plate}#A02")
    assert error_of(f"{plate}#B02/3").endswith(f"{plate}#B02/3: well B2 has 1 field(s); the address asks for field 3")
    assert "field 0 does not exist" in error_of(f"{plate}#B02/0")
    # a good address passes the checks and gets as far as the missing display
    assert "no display" in error_of(f"{plate}#b/2/1")
