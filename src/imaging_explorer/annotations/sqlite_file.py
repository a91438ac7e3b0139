"""The SQLite file of an annotation store: is it ours and intact, can we write it, how to connect.

A WAL-mode database keeps its newest transactions in ``<file>-wal`` until a checkpoint copies
them into the file; readers find them through the shared-memory index ``<file>-shm``. SQLite
builds that index when it can create the ``-shm`` file. In a read-only folder without one
(a copy made without it), SQLite can open the file only as "immutable", which ignores the
log: the calls still in it would silently be missing. Such a store is read from a private
copy of the file and its log instead (:func:`wal_snapshot`), or refused when that fails.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .transactions import AnnotationStoreError

__all__ = ["UnsharedWal", "check_file", "connect", "wal_snapshot", "writable"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_WAL_HEADER = 32  # bytes; a log this short holds no transaction


class UnsharedWal(Exception):
    """The log holds transactions SQLite cannot read here (no -shm file, and none can be made)."""


def writable(path: Path) -> bool:
    """Writable by us, and not marked read-only (no write bit at all) even for root."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _has_wal_frames(path: Path) -> bool:
    try:
        return os.path.getsize(f"{path}-wal") > _WAL_HEADER
    except OSError:
        return False


def connect(path: Path, read_only: bool, timeout: float) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are begun explicitly).

    Raises :class:`UnsharedWal` for a read-only connection that could only ignore the log.
    """
    base = "file:" + quote(str(path))
    kw: dict[str, Any] = {"uri": True, "isolation_level": None, "check_same_thread": False, "timeout": timeout}
    if not read_only:
        return sqlite3.connect(base, **kw)
    con = sqlite3.connect(base + "?mode=ro", **kw)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return con
    except sqlite3.OperationalError:
        con.close()
    # A WAL database in a folder we cannot write, with no -shm file to share: SQLite can read it
    # only as "immutable" (no locking, and the log is not read): right only when the log is empty.
    if _has_wal_frames(path):
        raise UnsharedWal(str(path))
    return sqlite3.connect(base + "?mode=ro&immutable=1", **kw)


def wal_snapshot(path: Path) -> Path:
    """A private copy of the database and its log, in a new temporary folder, where SQLite can read both.

    The caller removes the folder. Raises AnnotationStoreError (saying how to fix it) when the copy fails.
    """
    folder = None
    try:
        folder = Path(tempfile.mkdtemp(prefix="imaging-explorer-store-"))
        copy = folder / path.name
        shutil.copyfile(path, copy)
        shutil.copyfile(f"{path}-wal", f"{copy}-wal")
    except OSError as e:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise AnnotationStoreError(
            f"{path}: its write-ahead log ({path.name}-wal) holds calls that are not yet in the database file, "
            f"and SQLite cannot read that log in this read-only folder without its {path.name}-shm file; "
            f"reading a private copy failed too ({e}). Copy the database together with its -wal file to a "
            "writable folder, or open it once where it can be written (a checkpoint), then try again."
        ) from e
    return copy


def check_file(path: Path) -> None:
    """Refuse (without writing a byte) a file that is not an intact SQLite database of ours.

    Raises :class:`UnsharedWal` when the file can only be read from a :func:`wal_snapshot`.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError as e:
        raise AnnotationStoreError(f"{path}: cannot read the annotation database ({e})") from e
    if head and head != _SQLITE_MAGIC:
        raise AnnotationStoreError(f"{path}: not a SQLite database (damaged, or another kind of file); "
                                   "it was left untouched. Restore it from a backup or choose another file.")
    if not head:
        return  # an empty file: a new database
    try:
        con = connect(path, True, 1.0)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            check = con.execute("PRAGMA quick_check").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise AnnotationStoreError(f"{path}: the annotation database is damaged ({e}); it was left untouched. "
                                   "Restore it from a backup (or try the sqlite3 .recover command on a copy).") from e
    if check and check[0][0] != "ok":
        lines = [ln.strip() for r in check for ln in str(r[0]).splitlines() if ln.strip() and not ln.startswith("***")]
        problems = "; ".join(lines[:3]) + (" …" if len(lines) > 3 else "")
        raise AnnotationStoreError(f"{path}: the annotation database is damaged ({problems}); it was left untouched. "
                                   "Restore it from a backup (or try the sqlite3 .recover command on a copy).")
    if names and "schema_version" not in names:
        raise AnnotationStoreError(f"{path}: a SQLite database of something else (tables: {', '.join(sorted(names)[:5])}); "
                                   "not touching it. Choose another file for annotations.")
