"""A read-only copy of a SQLite store whose newest calls are still in its -wal log, without -shm.

SQLite finds the log's transactions through the -shm index. In a folder it cannot write, with
no -shm there, it can open the file only as "immutable", which ignores the log: the store used
to show 1 of 63 events and exit 0. Now it reads a private copy of the file and its log (all 63),
or, when even that fails, refuses with an error that says how to fix it.

chmod does not stop root: when the tests run as root, the reading process runs without the
capabilities that bypass file permissions (``setpriv``), so SQLite really cannot create -shm.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from imaging_explorer.annotations import AnnotationStore

P = ("plate-1", "f00d")
_READ = """
import sys, tempfile
from imaging_explorer.annotations import AnnotationStore, AnnotationStoreError
tempfile.tempdir = sys.argv[2]
try:
    with AnnotationStore(sys.argv[1], read_only=True) as s:
        print(len(s.history(("plate-1", "f00d"))))
        print(s.read_only_reason)
except AnnotationStoreError as e:
    print("refused:", e)
"""


def _run(args: list[str], **kw) -> subprocess.CompletedProcess[str]:
    """Run a command as a user whom chmod stops (root without its file-permission capabilities)."""
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a folder read-only for this test")
        args = [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner", *args]
    return subprocess.run(args, check=False, capture_output=True, text=True, timeout=60, **kw)


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    """63 events, the last 62 only in the -wal; the file and its log copied into a read-only folder."""
    src = tmp_path / "src" / "a.db"
    store = AnnotationStore(src)
    try:
        store.annotate(P, "A/1", call="hit", reviewer="ana")
        con = sqlite3.connect(src)
        assert con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # event 1 into the file
        con.close()
        for i in range(2, 64):
            store.annotate(P, f"B/{i}", call="reject", reviewer="ana")
        folder = tmp_path / "copy"
        folder.mkdir()
        shutil.copyfile(src, folder / "a.db")  # as a user copies a store in use: file and log, no -shm
        shutil.copyfile(f"{src}-wal", folder / "a.db-wal")
    finally:
        store.close()
    assert (folder / "a.db-wal").stat().st_size > 32  # the log holds transactions
    for f in folder.iterdir():
        f.chmod(0o444)
    folder.chmod(0o555)
    yield folder / "a.db"
    folder.chmod(0o755)


def test_read_only_copy_without_shm_shows_every_event(copied, tmp_path):
    private = tmp_path / "tmp"
    private.mkdir()
    result = _run([sys.executable, "-c", _READ, str(copied), str(private)])
    assert result.returncode == 0, result.stderr
    count, reason = result.stdout.splitlines()[:2]
    assert count == "63"  # was 1: the 62 calls still in the log were silently missing
    assert "no a.db-shm file" in reason and "private copy" in reason
    assert sorted(p.name for p in copied.parent.iterdir()) == ["a.db", "a.db-wal"]  # nothing written there
    assert list(private.iterdir()) == []  # the private copy is removed on close


def test_when_the_copy_fails_the_store_is_refused_with_the_fix(copied, tmp_path):
    result = _run([sys.executable, "-c", _READ, str(copied), str(tmp_path / "no such folder")])
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith(f"refused: {copied}: its write-ahead log (a.db-wal) holds calls")
    assert "Copy the database together with its -wal file to a writable folder" in text


def test_the_command_line_summary_counts_every_event(copied):
    result = _run([sys.executable, "-m", "imaging_explorer.cli", "annotations", "summary", "--db", str(copied)])
    assert result.returncode == 0, result.stderr
    assert "63 events" in result.stdout and result.stderr == ""


def test_a_checkpointed_copy_is_read_in_place(tmp_path):
    """Without transactions in a log, the immutable read is right and needs no copy."""
    db = tmp_path / "ro" / "a.db"
    with AnnotationStore(db) as s:
        for i in range(1, 4):
            s.annotate(P, f"A/{i}", call="hit", reviewer="ana")
    assert not Path(f"{db}-wal").exists()  # the last connection checkpointed and removed the log
    db.parent.chmod(0o555)
    try:
        result = _run([sys.executable, "-c", _READ, str(db), str(tmp_path)])
    finally:
        db.parent.chmod(0o755)
    assert result.returncode == 0, result.stderr
    count, reason = result.stdout.splitlines()[:2]
    assert count == "3" and reason == "opened with read_only=True"
