"""Every known way a command can fail: one line on stderr (``imaging-explorer: error: …``), exit 2.

Never a traceback: a missing fsspec back-end (gs:// without gcsfs), an unsupported or
unreachable server (ftp://), a sample plate that cannot be written, a bad annotation file, and
``open`` of a location that is not there, checked before Qt starts (without a screen Qt aborts
the process before napari has looked at the path). ``open`` runs in a subprocess without a
display, as a user on a server would.
"""

from __future__ import annotations

import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pandas as pd
import pytest
from builders import hand_plate

from imaging_explorer.annotations import AnnotationStore
from imaging_explorer.cli import _one_line, main
from imaging_explorer.errors import PlateMapError

PREFIX = "imaging-explorer: error: "


def _one_error_line(capsys, argv: list[str]) -> str:
    """Run the command; assert exit 2 and exactly one line on stderr; return that line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert err.startswith(PREFIX) and "Traceback" not in err
    return err.strip()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_url_scheme_whose_fsspec_package_is_missing(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "gcsfs", None)  # as without gcsfs installed
    line = _one_error_line(capsys, ["info", "gs://bucket/plate.zarr"])
    assert line.startswith(f"{PREFIX}gs://bucket/plate.zarr: ") and "gcsfs" in line


def test_an_unreachable_server(capsys):
    url = f"ftp://127.0.0.1:{_closed_port()}/plate.zarr"
    line = _one_error_line(capsys, ["info", url])
    assert line.startswith(f"{PREFIX}{url}: ")


def test_sample_where_it_cannot_be_written(tmp_path, capsys):
    small = ["--rows", "1", "--columns", "1", "--fields", "1", "--size", "32"]
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    line = _one_error_line(capsys, ["sample", str(a_file / "plate.zarr"), *small])
    assert f"{a_file} is a file, not a folder" in line
    # a folder where mkdir fails (chmod does not stop root; /proc does)
    line = _one_error_line(capsys, ["sample", "/proc/imaging-explorer-test/plate.zarr", *small])
    assert line.startswith(f"{PREFIX}cannot write the sample plate /proc/imaging-explorer-test/plate.zarr: ")
    assert not a_file.is_dir()


def _events_file(tmp_path: Path, **changes) -> Path:
    row = {"uuid": str(uuid.uuid4()), "plate": "screen", "fingerprint": "f00d", "well": "A/1", "reviewer": "ana",
           "kind": "call", "call": "hit", "confidence": "", "tags": "", "note": "", "time": "2024-05-01T10:00:00Z",
           "undo_of": ""}
    path = tmp_path / f"events-{len(list(tmp_path.iterdir()))}.csv"
    pd.DataFrame([{**row, **changes}]).to_csv(path, index=False)
    return path


def test_annotations_import_of_a_bad_file_writes_nothing(tmp_path, capsys):
    db = tmp_path / "new.db"
    for time, problem in (("9999-12-31T23:00:00-05:00", "is out of range"), ("2999-01-01", "is in the future"),
                          ("soon", "is not an ISO 8601 time")):
        path = _events_file(tmp_path, time=time)
        line = _one_error_line(capsys, ["annotations", "import", "--db", str(db), str(path)])
        assert line.startswith(f"{PREFIX}{path}: 1 problem(s); nothing was imported: row 1: time ") and problem in line
        assert not db.exists()  # checked before a database is opened
    line = _one_error_line(capsys, ["annotations", "import", "--db", str(db), str(tmp_path / "none.csv")])
    assert line == f"{PREFIX}{tmp_path / 'none.csv'}: no such file"
    assert not db.exists()  # no empty database made for a missing file
    # an undo that names another reviewer's call: the store's check, in one line
    with AnnotationStore(db) as store:
        store.annotate(("screen", "f00d"), "A/1", call="hit", reviewer="ana")
        target = store.history(("screen", "f00d")).uuid.iat[0]
    path = _events_file(tmp_path, kind="undo", call="", reviewer="mallory", undo_of=target)
    line = _one_error_line(capsys, ["annotations", "import", "--db", str(db), str(path)])
    assert "an undo only cancels the same reviewer's call on the same well" in line


def test_annotations_store_and_export_problems(tmp_path, capsys):
    line = _one_error_line(capsys, ["annotations", "summary", "--db", str(tmp_path)])
    assert line == f"{PREFIX}{tmp_path}: is a folder, not an annotation database file"
    db = tmp_path / "a.db"
    with AnnotationStore(db) as store:
        store.annotate(("screen", "f00d"), "A/1", call="hit", reviewer="ana")
    out = tmp_path / "no folder" / "x.csv"
    line = _one_error_line(capsys, ["annotations", "export", "--db", str(db), "--plate", "screen", str(out)])
    assert f"the folder {out.parent} does not exist" in line


def test_a_multi_line_message_becomes_one_line():
    error = PlateMapError("map.csv", ["line 2: no well", "line 3: bad concentration"])
    assert _one_line(error, None) == "map.csv: 2 problems in the plate map: line 2: no well; line 3: bad concentration"
    assert _one_line(ConnectionRefusedError(111, "Connection refused"), "ftp://h/p") == "ftp://h/p: Connection refused"


# -- open: checked before napari and Qt start -------------------------------------------------------


def _run_without_display(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return subprocess.run([sys.executable, "-m", "imaging_explorer.cli", *args], check=False, capture_output=True, text=True,
                          env=env, timeout=120)


def _assert_one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(PREFIX), result.stderr
    return result.stderr.strip()


@pytest.fixture
def http_folder(tmp_path):
    """A URL serving ``tmp_path`` over HTTP (404 for what is not there)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_open_without_a_display(tmp_path, http_folder):
    missing = tmp_path / "missing.zarr"
    line = _assert_one_line(_run_without_display("open", str(missing)))
    assert line == f"{PREFIX}{missing}: no such file or folder"
    (tmp_path / "empty").mkdir()
    line = _assert_one_line(_run_without_display("open", str(tmp_path / "empty")))
    assert "no zarr group here" in line
    (tmp_path / "bare.zarr").mkdir()
    (tmp_path / "bare.zarr" / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group", "attributes": {}}')
    line = _assert_one_line(_run_without_display("open", str(tmp_path / "bare.zarr")))
    assert "not an HCS plate or an OME-Zarr image: found a zarr group without OME-NGFF metadata" in line
    line = _assert_one_line(_run_without_display("open", f"{http_folder}/missing.zarr"))
    assert line.startswith(f"{PREFIX}{http_folder}/missing.zarr: ")
    line = _assert_one_line(_run_without_display("open", f"http://127.0.0.1:{_closed_port()}/plate.zarr"))
    assert "127.0.0.1" in line
    # a real plate, but no screen to show it on: said, instead of Qt aborting the process
    plate = hand_plate(tmp_path / "plate.zarr")
    line = _assert_one_line(_run_without_display("open", str(plate)))
    assert "no display" in line and "xvfb-run" in line
