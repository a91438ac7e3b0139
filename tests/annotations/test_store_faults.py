"""Faults: two writer processes, SIGKILL mid-run, locks, read-only and damaged files, network mounts.

Writers, SIGKILL, locks, read-only on request and newer schemas run on SQLite and PostgreSQL
(``store_url``, tests/conftest.py); files, folders and mounts are SQLite's own.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

import imaging_explorer
from imaging_explorer.annotations import AnnotationStore, AnnotationStoreError
from imaging_explorer.annotations import store as store_module

P = ("fault-plate", "fp0")
SRC = str(Path(imaging_explorer.__file__).resolve().parents[1])  # this very copy of the package

# A writer process: opens the store, says "ready", waits for a line on stdin, then makes N calls
# (N < 0: until killed), printing each event id once annotate() has returned it. A pause between
# calls (as a reviewer makes) lets two writers take turns instead of one running to its end.
WRITER = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from imaging_explorer.annotations import AnnotationStore
db, reviewer, n, pause = sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
store = AnnotationStore(db, busy_timeout=30)
print("ready", flush=True)
sys.stdin.readline()
i = 0
while n < 0 or i < n:
    event_id = store.annotate(("fault-plate", "fp0"), f"{'ABCDEFGH'[i % 8]}/{i % 12 + 1}", call="hit",
                              reviewer=reviewer, note=str(i))
    print(event_id, flush=True)
    i += 1
    time.sleep(pause)
"""


def _writer(db: Path, reviewer: str, n: int, pause: float = 0.0) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, SRC, str(db), reviewer, str(n), str(pause)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    return proc


def _is_postgresql(url: str | Path) -> bool:
    return str(url).startswith("postgresql://")


class _OtherProgram:
    """Another program's connection to the store's database, in autocommit until ``begin``."""

    def __init__(self, url: str) -> None:
        if _is_postgresql(url):
            import psycopg

            self.con = psycopg.connect(url, autocommit=True)
        else:
            self.con = sqlite3.connect(url, isolation_level=None, check_same_thread=False)

    def execute(self, sql: str) -> None:
        self.con.execute(sql)

    def close(self) -> None:
        self.con.close()


def test_two_processes_writing_at_once_lose_nothing(store_url):
    db = store_url
    AnnotationStore(db).close()  # made once, as a first session would
    procs = {name: _writer(db, name, 200, pause=0.002) for name in ("ana", "ben")}
    for p in procs.values():  # go together
        p.stdin.write("go\n")
        p.stdin.flush()
    acked = {}
    for name, p in procs.items():
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        acked[name] = [int(x) for x in out.split()]
        assert len(acked[name]) == 200
    with AnnotationStore(db) as s:
        h = s.history(P)
    assert len(h) == 400 and h.uuid.is_unique
    for name, ids in acked.items():
        mine = h[h.reviewer == name]
        assert sorted(mine.event_id) == sorted(ids)
        assert sorted(mine.note.astype(int)) == list(range(200))
    both = set(acked["ana"]) & set(acked["ben"])
    assert not both
    # they really ran at the same time: their ids interleave
    assert min(acked["ben"]) < max(acked["ana"]) and min(acked["ana"]) < max(acked["ben"])


def test_sigkill_loses_no_acknowledged_call(store_url):
    db = store_url
    proc = _writer(db, "ana", -1)
    lines: list[str] = []

    def read() -> None:
        for line in proc.stdout:  # ends when the pipe closes at the kill
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc.stdin.write("go\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 10
    while not lines and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    reader.join(timeout=10)
    proc.stderr.close()
    proc.stdin.close()
    assert proc.returncode == -signal.SIGKILL
    acked = [int(x) for x in lines if x.endswith("\n")]  # a half-printed last line was not acknowledged
    assert len(acked) > 10, "the child made too few calls to test anything"
    with AnnotationStore(db) as s:
        ids = set(s.history(P).event_id)
    assert set(acked) <= ids
    assert len(ids) - len(acked) <= 1  # at most the call in flight (committed, not yet printed)
    if _is_postgresql(db):
        return
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


def test_locked_database_waits_then_says_so(store_url):
    db = store_url
    with AnnotationStore(db, busy_timeout=0.3) as s:
        s.annotate(P, "A/1", call="hit", reviewer="ana")
        other = _OtherProgram(db)
        # another program holds the write lock (PostgreSQL: a table lock that lets readers through)
        other.execute("BEGIN" if _is_postgresql(db) else "BEGIN IMMEDIATE")
        if _is_postgresql(db):
            other.execute("LOCK TABLE annotation_events IN SHARE ROW EXCLUSIVE MODE")
        try:
            start = time.monotonic()
            with pytest.raises(AnnotationStoreError, match=r"locked by another program \(waited 0.3 s\). Nothing was saved"):
                s.annotate(P, "A/2", call="hit", reviewer="ana")
            assert time.monotonic() - start >= 0.25
            assert list(s.current(P).well) == ["A/1"]  # reading still works
            with AnnotationStore(db, busy_timeout=5) as patient:  # opening needs no write lock
                threading.Timer(0.3, other.execute, ("COMMIT",)).start()
                patient.annotate(P, "A/3", call="hit", reviewer="ana")  # waits for the lock, then commits
        finally:
            other.close()
        assert list(s.current(P).well) == ["A/1", "A/3"]


def _with_calls(db: Path) -> None:
    with AnnotationStore(db) as s:
        s.annotate(P, "A/1", call="hit", reviewer="ana")


def test_read_only_file_opens_read_only(tmp_path):
    db = tmp_path / "ro.db"
    _with_calls(db)
    db.chmod(0o444)
    try:
        with AnnotationStore(db) as s:
            assert s.read_only and "file is read-only" in s.read_only_reason
            assert list(s.current(P).well) == ["A/1"]
            with pytest.raises(AnnotationStoreError, match="read-only.*nothing was saved"):
                s.annotate(P, "A/2", call="hit", reviewer="ana")
            with pytest.raises(AnnotationStoreError, match="read-only"):
                s.undo(P, "A/1", "ana")
            with pytest.raises(AnnotationStoreError, match="read-only"):
                s.import_(tmp_path / "whatever.csv")
    finally:
        db.chmod(0o644)


def test_read_only_folder_opens_read_only(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    _with_calls(folder / "a.db")
    folder.chmod(0o555)
    try:
        with AnnotationStore(folder / "a.db") as s:
            assert s.read_only and "folder is read-only" in s.read_only_reason
            assert len(s.history(P)) == 1
        with pytest.raises(AnnotationStoreError, match="its folder is read-only"):
            AnnotationStore(folder / "new.db")
    finally:
        folder.chmod(0o755)


def test_read_only_on_request_and_missing_file(tmp_path):
    db = tmp_path / "a.db"
    with pytest.raises(AnnotationStoreError, match="no annotation database here"):
        AnnotationStore(db, read_only=True)
    assert not db.exists()


def test_read_only_on_request(store_url):
    with pytest.raises(AnnotationStoreError, match="no annotation database here|an empty database; it cannot be read"):
        AnnotationStore(store_url, read_only=True)  # never creates the schema (SQLite: nor the file)
    _with_calls(store_url)
    with AnnotationStore(store_url, read_only=True) as s:
        assert s.read_only and repr(s).endswith("read-only)")
        assert list(s.current(P).well) == ["A/1"]
        with pytest.raises(AnnotationStoreError, match="read_only=True"):
            s.annotate(P, "A/1", call="hit", reviewer="ana")
        with pytest.raises(AnnotationStoreError, match="read_only=True"):
            s.undo(P, "A/1", "ana")
        with s._engine.connect() as conn:  # and the connections themselves cannot write
            with pytest.raises(sa.exc.DBAPIError, match="(?i)read.?only"):
                conn.exec_driver_sql("INSERT INTO reviewers (name, created_at) VALUES ('eve', CURRENT_TIMESTAMP)")
    with AnnotationStore(store_url) as s:
        assert s.reviewers() == ["ana"]


def _unchanged(path: Path, make) -> str:
    before = path.read_bytes()
    with pytest.raises(AnnotationStoreError) as info:
        make()
    assert str(path) in str(info.value) and "untouched" in str(info.value)
    assert path.read_bytes() == before
    wal = Path(f"{path}-wal")  # reading a WAL-mode file may make an empty log beside it
    assert not wal.exists() or wal.stat().st_size == 0
    return str(info.value)


def test_damaged_files_are_refused_and_left_alone(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is a spreadsheet, honestly\n" * 100)
    assert "not a SQLite database" in _unchanged(junk, lambda: AnnotationStore(junk))
    # a real database with a damaged page
    db = tmp_path / "damaged.db"
    with AnnotationStore(db) as s:
        for i in range(300):
            s.annotate(P, f"A/{i % 24 + 1}", call="hit", reviewer="ana", note="x" * 50)
    data = bytearray(db.read_bytes())
    assert len(data) > 10 * 4096 and not Path(f"{db}-wal").exists()
    page = len(data) // 4096 // 2
    data[page * 4096:page * 4096 + 64] = b"\xa5" * 64
    db.write_bytes(bytes(data))
    assert "damaged" in _unchanged(db, lambda: AnnotationStore(db))
    # someone else's SQLite database
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE invoices (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(AnnotationStoreError, match="database of something else"):
        AnnotationStore(other)
    con = sqlite3.connect(other)
    assert [r[0] for r in con.execute("SELECT name FROM sqlite_master")] == ["invoices"]
    con.close()
    with pytest.raises(AnnotationStoreError, match="is a folder"):
        AnnotationStore(tmp_path)


def test_newer_schema_is_refused(store_url):
    db = store_url
    _with_calls(db)
    other = _OtherProgram(db)
    other.execute("INSERT INTO schema_version VALUES (99, '2030-01-01 00:00:00')")
    other.close()
    with pytest.raises(AnnotationStoreError, match="schema version 99 is newer"):
        AnnotationStore(db)
    with pytest.raises(AnnotationStoreError, match="schema version 99, this program uses"):
        AnnotationStore(db, read_only=True)


def test_migrations_run_whole_or_not_at_all(store_url, monkeypatch):
    from imaging_explorer.annotations import schema

    _with_calls(store_url)
    version = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "SCHEMA_VERSION", version + 1)

    def add_institute(conn):
        conn.exec_driver_sql("ALTER TABLE reviewers ADD COLUMN institute TEXT NOT NULL DEFAULT ''")

    def half_done(conn):
        add_institute(conn)
        raise ValueError("migration broke half-way")

    def columns():
        other = _OtherProgram(store_url)
        try:
            sql = ("SELECT column_name FROM information_schema.columns WHERE table_name = 'reviewers'"
                   if _is_postgresql(store_url) else "SELECT name FROM pragma_table_info('reviewers')")
            names = {r[0] for r in other.con.execute(sql).fetchall()}
            found = other.con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        finally:
            other.close()
        return names, found

    monkeypatch.setitem(schema.MIGRATIONS, version + 1, half_done)
    with pytest.raises(ValueError, match="half-way"):
        AnnotationStore(store_url)
    names, found = columns()
    assert "institute" not in names and found == version  # the DDL was rolled back with the rest
    monkeypatch.setitem(schema.MIGRATIONS, version + 1, add_institute)
    with AnnotationStore(store_url) as s:
        assert list(s.current(P).well) == ["A/1"]
    names, found = columns()
    assert "institute" in names and found == version + 1


def test_network_filesystems_are_refused(tmp_path, monkeypatch):
    mounts = tmp_path / "mounts"
    share = tmp_path / "share"
    share.mkdir()
    mounts.write_text("/dev/vda / ext4 rw 0 0\n"
                      f"server:/export {share} nfs4 rw,relatime 0 0\n"
                      f"//nas/lab {tmp_path}/smb\\040share cifs rw 0 0\n")
    monkeypatch.setattr(store_module, "MOUNTS_FILE", str(mounts))
    with pytest.raises(AnnotationStoreError, match=r"network filesystem \(nfs4\).*postgresql://"):
        AnnotationStore(share / "sub" / "a.db")
    assert not (share / "sub").exists()
    assert store_module.network_filesystem(tmp_path / "smb share" / "x.db") == "cifs"
    assert store_module.network_filesystem(tmp_path / "local.db") is None
    with AnnotationStore(tmp_path / "local.db") as s:  # a local disk is fine
        assert not s.read_only


# -- PostgreSQL's own: roles, passwords, servers -------------------------------------------------


def test_postgresql_role_that_may_only_read_opens_read_only(postgres_server):
    url = postgres_server.create_database()
    _with_calls(url)
    database = url.rsplit("/", 1)[1]
    postgres_server.execute("CREATE ROLE viewer LOGIN PASSWORD 'look'")
    other = _OtherProgram(url)  # the owner lets the viewer read
    other.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO viewer")
    other.close()
    with AnnotationStore(postgres_server.url(database, "viewer", "look")) as s:
        assert s.read_only and "'viewer' may read but not add annotation events" in s.read_only_reason
        assert list(s.current(P).well) == ["A/1"]
        with pytest.raises(AnnotationStoreError, match="read-only.*nothing was saved"):
            s.annotate(P, "A/2", call="hit", reviewer="ana")
    with pytest.raises(AnnotationStoreError, match="an empty database; .*'viewer' may not create the annotation tables"):
        AnnotationStore(postgres_server.url("postgres", "viewer", "look"))  # may not create tables there


def test_postgresql_connection_problems_are_clear_and_hide_the_password(postgres_server):
    url = postgres_server.create_database()
    wrong = url.replace(f":{postgres_server.password}@", ":not-the-password@")
    with pytest.raises(AnnotationStoreError) as info:
        AnnotationStore(wrong)
    text = str(info.value)
    assert "password authentication failed" in text and "not-the-password" not in text
    assert text.startswith(f"postgresql://***@127.0.0.1:{postgres_server.port}/")
    with AnnotationStore(url) as s:
        assert postgres_server.password not in repr(s) and s.backend == "postgresql"
        with s._engine.connect() as conn:  # every connection: waits busy_timeout for locks, speaks UTC
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "5s"
            assert conn.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
