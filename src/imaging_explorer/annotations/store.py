"""AnnotationStore: reviewers' calls on wells, append-only, in SQLite (default) or PostgreSQL.

One code path (SQLAlchemy Core) for both back-ends. Every public call runs in its own
transaction and is committed before it returns: an event id handed back is on disk.

SQLite: WAL journal with ``synchronous=FULL`` (an acknowledged call survives a crash or power
loss), ``busy_timeout`` for waiting on other writers, ``BEGIN IMMEDIATE`` for writes (a writer
takes the lock before reading, so two processes never deadlock on an upgrade). A file on a
network filesystem is refused: WAL needs shared memory that NFS/SMB cannot give.
"""

from __future__ import annotations

import json
import math
import operator
import os
import re
import sqlite3
import stat
import uuid as _uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from ..platemap import parse_well_name
from . import schema as S
from .agreement import agreement_summary, consensus_table

__all__ = ["CALLS", "TAGS", "AnnotationStore", "AnnotationStoreError", "default_db_path", "network_filesystem"]

CALLS = S.CALLS
TAGS = S.TAGS
#: Filesystems on which SQLite's WAL mode (and its locking) is unsafe.
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "v9fs", "ceph", "glusterfs",
    "lustre", "gpfs", "fuse.sshfs", "fuse.glusterfs", "fuse.s3fs", "fuse.gcsfuse", "fuse.rclone", "fuse.cephfs",
    "davfs", "fuse.davfs2",
})
MOUNTS_FILE = "/proc/mounts"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_EVENT_COLUMNS = ["event_id", "uuid", "well", "reviewer", "kind", "call", "confidence", "tags", "note", "time",
                  "undo_of", "undone"]
_EXPORT_EVENTS = ["uuid", "plate", "fingerprint", "well", "reviewer", "kind", "call", "confidence", "tags", "note",
                  "time", "undo_of"]


class AnnotationStoreError(Exception):
    """The annotation store cannot do what was asked; the message says why and what to do."""


def default_db_path() -> Path:
    """``<user data dir>/imaging-explorer/annotations.db`` (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("imaging-explorer", appauthor=False)) / "annotations.db"


def _unescape_mount(text: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def network_filesystem(path: str | os.PathLike[str], mounts_file: str | None = None) -> str | None:
    """The filesystem type when ``path`` lies on a network filesystem (from /proc/mounts), else None."""
    try:
        with open(mounts_file or MOUNTS_FILE, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None  # not Linux: nothing to go by
    target = str(Path(path).resolve())
    best, fstype = "", None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = _unescape_mount(parts[1]).rstrip("/") or "/"
        if target == mount or target.startswith(mount.rstrip("/") + "/") or mount == "/":
            if len(mount) >= len(best):
                best, fstype = mount, parts[2]
    return fstype if fstype in NETWORK_FILESYSTEMS else None


def _writable(path: Path) -> bool:
    """Writable by us, and not marked read-only (no write bit at all) even for root."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _connect_sqlite(path: Path, read_only: bool, timeout: float) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are begun explicitly)."""
    base = "file:" + quote(str(path))
    kw: dict[str, Any] = {"uri": True, "isolation_level": None, "check_same_thread": False, "timeout": timeout}
    if not read_only:
        return sqlite3.connect(base, **kw)
    con = sqlite3.connect(base + "?mode=ro", **kw)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return con
    except sqlite3.OperationalError:
        # A WAL database in a folder we cannot write, with no -shm file to share: SQLite can read
        # it only as "immutable" (no locking; fine for looking, and we never write).
        con.close()
        return sqlite3.connect(base + "?mode=ro&immutable=1", **kw)


def _now() -> datetime:
    return datetime.now(UTC)


def _plate_order(key: str) -> tuple:
    row, _, col = str(key).partition("/")
    return (len(row), row, int(col) if col.isdigit() else math.inf, col)


class AnnotationStore:
    """Reviewers' calls on the wells of plates, with their full history.

    ``AnnotationStore()`` uses ``annotations.db`` in the user data folder; a path uses that
    SQLite file (created when missing); ``postgresql://user@host/db`` uses PostgreSQL (needs
    psycopg). ``read_only=True`` opens without writing; a read-only file or folder is opened
    read-only by itself (see :attr:`read_only`). ``busy_timeout`` (seconds) is how long a write
    waits for another process holding the SQLite write lock before giving up with an error.

    A plate is given as a :class:`~imaging_explorer.Plate` (wells are then checked) or as a
    ``(name, fingerprint)`` pair; read methods also take a plate name when it is unambiguous.
    """

    def __init__(self, url_or_path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
                 busy_timeout: float = 5.0) -> None:
        self.busy_timeout = float(busy_timeout)
        self.read_only = bool(read_only)
        self.read_only_reason = "opened with read_only=True" if read_only else ""
        self.path: Path | None = None
        self._plate_ids: dict[tuple[str, str], int] = {}
        self._reviewer_ids: dict[str, int] = {}
        text = os.fspath(url_or_path) if url_or_path is not None else None
        if text is not None and re.match(r"^postgres(ql)?(\+\w+)?://", text):
            self.backend = "postgresql"
            self.url = re.sub(r"://[^@/]*@", "://***@", text)  # never show a password
            self._engine = self._postgresql_engine(text)
        else:
            self.backend = "sqlite"
            if text is None:
                path = default_db_path()
            else:
                path = Path(text.removeprefix("sqlite:///") if text.startswith("sqlite:///") else text)
            self.path = path.expanduser().resolve()
            self.url = str(self.path)
            self._engine = self._sqlite_engine(self.path)
        try:
            self._init_schema()
        except BaseException:
            self._engine.dispose()
            raise

    # -- opening ---------------------------------------------------------------------------
    def _postgresql_engine(self, url: str) -> sa.Engine:
        url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
        try:
            engine = sa.create_engine(url, pool_pre_ping=True)
            if self.read_only:
                engine = engine.execution_options(postgresql_readonly=True)
        except ImportError as e:
            raise AnnotationStoreError(f"{self.url}: the PostgreSQL back-end needs psycopg "
                                       f"(pip install 'psycopg[binary]'): {e}") from e
        return engine

    def _sqlite_engine(self, path: Path) -> sa.Engine:
        fs = network_filesystem(path.parent if not path.exists() else path)
        if fs:
            raise AnnotationStoreError(
                f"{path}: this folder is on a network filesystem ({fs}), where SQLite's write-ahead log is "
                "not safe and calls could be lost or the file damaged. Keep the SQLite file on a local disk, "
                "or let a team share one PostgreSQL database: AnnotationStore('postgresql://user@host/dbname')."
            )
        if path.is_dir():
            raise AnnotationStoreError(f"{path}: is a folder, not an annotation database file")
        if path.exists():
            self._check_sqlite_file(path)
            if not self.read_only and not _writable(path):
                self.read_only, self.read_only_reason = True, "the database file is read-only"
            elif not self.read_only and not _writable(path.parent):
                self.read_only = True
                self.read_only_reason = "its folder is read-only (SQLite needs to write its -wal and -shm files there)"
        elif self.read_only:
            raise AnnotationStoreError(f"{path}: no annotation database here")
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise AnnotationStoreError(f"{path}: cannot create the annotation database's folder ({e})") from e
            if not _writable(path.parent):
                raise AnnotationStoreError(f"{path}: cannot create the annotation database: its folder is read-only")

        timeout_ms = int(self.busy_timeout * 1000)
        read_only, timeout = self.read_only, self.busy_timeout

        def connect() -> sqlite3.Connection:
            con = _connect_sqlite(path, read_only, timeout)
            con.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            con.execute("PRAGMA foreign_keys = ON")
            con.execute("PRAGMA synchronous = FULL")
            return con

        engine = sa.create_engine("sqlite+pysqlite://", creator=connect, poolclass=sa.pool.QueuePool,
                                  pool_size=4, max_overflow=8)
        if not read_only:
            try:
                with engine.connect() as conn:
                    mode = conn.exec_driver_sql("PRAGMA journal_mode = WAL").scalar()
            except sa.exc.DBAPIError as e:
                engine.dispose()
                raise self._translate(e, "open") from e
            if str(mode).lower() != "wal":
                engine.dispose()
                raise AnnotationStoreError(f"{path}: SQLite could not switch to WAL mode (got {mode!r}); "
                                           "is the file on a network or read-only filesystem?")
        return engine

    @staticmethod
    def _check_sqlite_file(path: Path) -> None:
        """Refuse (without writing a byte) a file that is not an intact SQLite database of ours."""
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
            con = _connect_sqlite(path, True, 1.0)
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

    def _init_schema(self) -> None:
        if self.read_only:
            with self._read() as conn:
                version = S.current_version(conn)
            if version != S.SCHEMA_VERSION:
                what = "an empty database" if version == 0 else f"schema version {version}, this program uses {S.SCHEMA_VERSION}"
                raise AnnotationStoreError(f"{self.url}: {what}; it cannot be read while read-only "
                                           f"({self.read_only_reason}). Open it once with write access to upgrade it.")
            return
        with self._read() as conn:  # the usual case needs no write lock (another writer may hold it)
            if S.current_version(conn) == S.SCHEMA_VERSION:
                return
        try:
            with self._write("open") as conn:
                S.create_schema(conn)
        except RuntimeError as e:  # a newer schema
            raise AnnotationStoreError(f"{self.url}: {e}; update imaging-explorer") from e

    def close(self) -> None:
        """Close the database connections (also done when the store is garbage collected)."""
        self._engine.dispose()

    def __enter__(self) -> AnnotationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = ", read-only" if self.read_only else ""
        return f"AnnotationStore({self.url!r}{mode})"

    # -- transactions ------------------------------------------------------------------------
    def _translate(self, error: Exception, action: str) -> AnnotationStoreError:
        orig = getattr(error, "orig", error)
        text = str(orig)
        saved = "" if action in ("read", "open") else " Nothing was saved."
        if "locked" in text or "busy" in text:
            return AnnotationStoreError(
                f"{self.url}: the annotation database is locked by another program (waited {self.busy_timeout:g} s).{saved} "
                "Try again; if it stays locked, close other imaging-explorer sessions using this file.")
        if "readonly" in text.replace(" ", "").replace("-", "") or "read only" in text:
            return AnnotationStoreError(f"{self.url}: the annotation database cannot be written ({text}).{saved}")
        if "malformed" in text or "not a database" in text or "corrupt" in text:
            return AnnotationStoreError(f"{self.url}: the annotation database is damaged ({text}).{saved} "
                                        "Restore it from a backup.")
        if "disk is full" in text or "disk I/O" in text:
            return AnnotationStoreError(f"{self.url}: {text}.{saved} Free some disk space and try again.")
        return AnnotationStoreError(f"{self.url}: {text}.{saved}")

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise AnnotationStoreError(f"{self.url}: the annotation store is read-only ({self.read_only_reason}); "
                                       "nothing was saved.")

    @contextmanager
    def _write(self, action: str = "write") -> Iterator[sa.Connection]:
        self._refuse_if_read_only()
        try:
            with self._engine.connect() as conn:  # leaving it without commit rolls back
                if self.backend == "sqlite":
                    conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock first (waits busy_timeout)
                yield conn
                conn.commit()
        except sa.exc.DBAPIError as e:
            raise self._translate(e, action) from e

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        try:
            with self._engine.connect() as conn:
                if self.backend == "sqlite":
                    conn.exec_driver_sql("BEGIN")  # one snapshot for the whole read
                yield conn
                conn.rollback()
        except sa.exc.DBAPIError as e:
            raise self._translate(e, "read") from e

    # -- identities --------------------------------------------------------------------------
    @staticmethod
    def _is_plate(plate: Any) -> bool:
        return hasattr(plate, "wells") and hasattr(plate, "fingerprint")

    def _identity(self, plate: Any, *, allow_name: bool) -> tuple[str, str, str]:
        """(name, fingerprint, location) of a Plate, a (name, fingerprint) pair or (reading) a name."""
        if self._is_plate(plate):
            return str(plate.name), str(plate.fingerprint), str(plate.location)
        if isinstance(plate, tuple | list) and len(plate) == 2 and all(isinstance(x, str) and x for x in plate):
            return plate[0], plate[1], ""
        if allow_name and isinstance(plate, str) and plate:
            name, fingerprint = self.find_plate(plate)
            return name, fingerprint, ""
        raise ValueError(f"plate must be a Plate or a (name, fingerprint) pair of strings, got {plate!r}")

    def _well(self, plate: Any, well: Any) -> str:
        text = str(well).strip()
        if self._is_plate(plate):
            known = list(plate.wells) + list(getattr(plate, "missing_wells", {}))
            if text in known:
                return text
            parsed = parse_well_name(text)
            if parsed:
                for key in known:
                    r, _, c = key.partition("/")
                    if r.upper() == parsed[0] and (c == str(parsed[1]) or (c.isdigit() and int(c) == parsed[1])):
                        return key
            span = f"{known[0]} … {known[-1]}" if known else "none"
            raise ValueError(f"well {well!r} is not on plate {plate.name!r} (its wells: {span})")
        if "/" in text and all(text.split("/")):
            return text
        parsed = parse_well_name(text)
        if not parsed:
            raise ValueError(f"well {well!r} is not a well name (use the plate's key such as 'B/3', or B03)")
        return f"{parsed[0]}/{parsed[1]}"

    def _plate_id(self, conn: sa.Connection, name: str, fingerprint: str, location: str = "", *,
                  create: bool = True) -> int | None:
        key = (name, fingerprint)
        if key in self._plate_ids:
            return self._plate_ids[key]
        t = S.plates
        query = sa.select(t.c.id).where(t.c.name == name, t.c.fingerprint == fingerprint)
        found = conn.execute(query).scalar()
        if found is None and create:
            try:
                with conn.begin_nested():
                    found = conn.execute(sa.insert(t).values(name=name, fingerprint=fingerprint, location=location,
                                                             created_at=_now())).inserted_primary_key[0]
            except sa.exc.IntegrityError:  # created meanwhile by another writer (PostgreSQL)
                found = conn.execute(query).scalar()
        return found

    def _reviewer_id(self, conn: sa.Connection, name: str, *, create: bool = True) -> int | None:
        if name in self._reviewer_ids:
            return self._reviewer_ids[name]
        t = S.reviewers
        found = conn.execute(sa.select(t.c.id).where(t.c.name == name)).scalar()
        if found is None and create:
            try:
                with conn.begin_nested():
                    found = conn.execute(sa.insert(t).values(name=name, created_at=_now())).inserted_primary_key[0]
            except sa.exc.IntegrityError:
                found = conn.execute(sa.select(t.c.id).where(t.c.name == name)).scalar()
        return found

    # -- validation --------------------------------------------------------------------------
    @staticmethod
    def _check_call(call: Any) -> str:
        if not isinstance(call, str) or call.strip().lower() not in CALLS:
            raise ValueError(f"call {call!r} is not one of {', '.join(CALLS)}")
        return call.strip().lower()

    @staticmethod
    def _check_confidence(confidence: Any) -> int | None:
        if confidence is None:
            return None
        bad = ValueError(f"confidence {confidence!r} is not one of 1, 2, 3, 4, 5 (or None)")
        if isinstance(confidence, bool | str):
            raise bad
        if isinstance(confidence, float):
            if not confidence.is_integer():
                raise bad
            value = int(confidence)
        else:
            try:
                value = operator.index(confidence)
            except TypeError:
                raise bad from None
        if not 1 <= value <= 5:
            raise bad
        return value

    @staticmethod
    def _check_tags(tags: Any) -> list[str]:
        if tags is None:
            return []
        items = [tags] if isinstance(tags, str) else list(tags)
        out = set()
        for t in items:
            norm = re.sub(r"[\s\-]+", "_", str(t).strip().lower())
            if norm not in TAGS:
                raise ValueError(f"tag {t!r} is not one of {', '.join(TAGS)}")
            out.add(norm)
        return [t for t in TAGS if t in out]

    @staticmethod
    def _check_reviewer(reviewer: Any) -> str:
        if not isinstance(reviewer, str) or not reviewer.strip():
            raise ValueError(f"reviewer must be a non-empty name, got {reviewer!r}")
        name = reviewer.strip()
        if len(name) > 200:
            raise ValueError("reviewer name is longer than 200 characters")
        return name

    # -- writing -----------------------------------------------------------------------------
    def annotate(self, plate: Any, well: str, *, call: str, reviewer: str, confidence: int | None = None,
                 tags: Iterable[str] = (), note: str = "") -> int:
        """Record a reviewer's call on a well; returns the event id once it is committed.

        ``call``: hit, candidate, reject or unsure. ``confidence``: 1–5 or None. ``tags``: any
        of cytotoxic, artifact, out_of_focus, autofluorescent, precipitate, other.
        Raises ValueError for a bad value (naming it and the allowed set) and
        AnnotationStoreError when the store cannot save it (read-only, locked, damaged).
        """
        name, fingerprint, location = self._identity(plate, allow_name=False)
        row = {
            "uuid": str(_uuid.uuid4()), "well": self._well(plate, well), "kind": "call",
            "call": self._check_call(call), "confidence": self._check_confidence(confidence),
            "tags": json.dumps(self._check_tags(tags)), "note": "" if note is None else str(note),
            "created_at": _now(),
        }
        reviewer = self._check_reviewer(reviewer)
        with self._write() as conn:
            pid = self._plate_id(conn, name, fingerprint, location)
            rid = self._reviewer_id(conn, reviewer)
            event_id = conn.execute(sa.insert(S.events).values(plate_id=pid, reviewer_id=rid, **row)).inserted_primary_key[0]
        self._plate_ids[(name, fingerprint)] = pid
        self._reviewer_ids[reviewer] = rid
        return int(event_id)

    def undo(self, plate: Any, well: str, reviewer: str) -> int | None:
        """Undo the reviewer's latest call on the well that is still in force (a new ``undo`` event).

        The call before it (if any) is current again; calling undo again steps further back.
        Returns the undo event's id, or None when there is nothing to undo.
        """
        name, fingerprint, _ = self._identity(plate, allow_name=False)
        well = self._well(plate, well)
        reviewer = self._check_reviewer(reviewer)
        e, u = S.events, S.events.alias("u")
        with self._write() as conn:
            pid = self._plate_id(conn, name, fingerprint, create=False)
            rid = self._reviewer_id(conn, reviewer, create=False)
            if pid is None or rid is None:
                return None
            # serialise this reviewer's writes on PostgreSQL (SQLite holds the write lock already)
            conn.execute(sa.select(S.reviewers.c.id).where(S.reviewers.c.id == rid).with_for_update())
            target = conn.execute(
                sa.select(e.c.uuid)
                .where(e.c.plate_id == pid, e.c.well == well, e.c.reviewer_id == rid, e.c.kind == "call",
                       ~sa.exists().where(u.c.undo_of == e.c.uuid))
                .order_by(e.c.created_at.desc(), e.c.id.desc())
                .limit(1)
            ).scalar()
            if target is None:
                return None
            event_id = conn.execute(sa.insert(e).values(
                uuid=str(_uuid.uuid4()), plate_id=pid, well=well, reviewer_id=rid, kind="undo", call=None,
                confidence=None, tags="[]", note="", created_at=_now(), undo_of=target,
            )).inserted_primary_key[0]
        return int(event_id)

    def save_platemap(self, plate: Any, platemap: Any, source: str = "") -> int:
        """Keep a copy of a plate map (from :func:`~imaging_explorer.read_platemap`) with the plate."""
        name, fingerprint, location = self._identity(plate, allow_name=False)
        content = platemap.reset_index().to_json(orient="records", force_ascii=False)
        with self._write() as conn:
            pid = self._plate_id(conn, name, fingerprint, location)
            new_id = conn.execute(sa.insert(S.platemaps).values(
                plate_id=pid, source=str(source or platemap.attrs.get("source", "")), content=content, created_at=_now(),
            )).inserted_primary_key[0]
        return int(new_id)

    # -- reading -----------------------------------------------------------------------------
    def platemap(self, plate: Any) -> Any:
        """The plate map saved last with :meth:`save_platemap`, or None."""
        import pandas as pd

        name, fingerprint, _ = self._identity(plate, allow_name=True)
        with self._read() as conn:
            pid = self._plate_id(conn, name, fingerprint, create=False)
            if pid is None:
                return None
            t = S.platemaps
            row = conn.execute(sa.select(t.c.content, t.c.source).where(t.c.plate_id == pid)
                               .order_by(t.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        df = pd.DataFrame.from_records(json.loads(row.content))
        df = df.set_index("well") if "well" in df.columns else df
        df.attrs["source"] = row.source
        return df

    def plates(self) -> Any:
        """Every plate known to the store: name, fingerprint, location, events, wells called, reviewers."""
        import pandas as pd

        p, e = S.plates, S.events
        query = (
            sa.select(p.c.name, p.c.fingerprint, p.c.location, sa.func.count(e.c.id).label("events"),
                      sa.func.count(sa.distinct(e.c.well)).label("wells"),
                      sa.func.count(sa.distinct(e.c.reviewer_id)).label("reviewers"))
            .select_from(p.outerjoin(e, e.c.plate_id == p.c.id))
            .group_by(p.c.id, p.c.name, p.c.fingerprint, p.c.location)
            .order_by(p.c.name, p.c.id)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        return pd.DataFrame([tuple(r) for r in rows],
                            columns=["name", "fingerprint", "location", "events", "wells", "reviewers"])

    def reviewers(self) -> list[str]:
        """Names of everyone who has made a call in this store."""
        with self._read() as conn:
            return list(conn.execute(sa.select(S.reviewers.c.name).order_by(S.reviewers.c.name)).scalars())

    def find_plate(self, name: str, fingerprint: str | None = None) -> tuple[str, str]:
        """(name, fingerprint) of the one stored plate with this name (and fingerprint prefix)."""
        t = S.plates
        with self._read() as conn:
            rows = conn.execute(sa.select(t.c.name, t.c.fingerprint).where(t.c.name == name)).all()
        if fingerprint:
            rows = [r for r in rows if r.fingerprint.startswith(fingerprint)]
        if not rows:
            known = ", ".join(sorted({r.name for r in self.plates().itertuples()})[:10]) or "none"
            raise AnnotationStoreError(f"{self.url}: no plate named {name!r}"
                                       f"{f' with fingerprint {fingerprint}' if fingerprint else ''} (plates: {known})")
        if len(rows) > 1:
            raise AnnotationStoreError(f"{self.url}: {len(rows)} plates are named {name!r} (fingerprints "
                                       f"{', '.join(r.fingerprint for r in rows)}); give the fingerprint too")
        return rows[0].name, rows[0].fingerprint

    def latest_event_id(self, plate: Any = None) -> int:
        """The newest event id (of a plate, or of the store): cheap to poll for others' changes."""
        query = sa.select(sa.func.max(S.events.c.id))
        with self._read() as conn:
            if plate is not None:
                name, fingerprint, _ = self._identity(plate, allow_name=True)
                pid = self._plate_id(conn, name, fingerprint, create=False)
                if pid is None:
                    return 0
                query = query.where(S.events.c.plate_id == pid)
            return int(conn.execute(query).scalar() or 0)

    def _events(self, plate: Any, well: str | None = None) -> Any:
        import pandas as pd

        name, fingerprint, _ = self._identity(plate, allow_name=True)
        e, r, u = S.events, S.reviewers, S.events.alias("u")
        with self._read() as conn:
            pid = self._plate_id(conn, name, fingerprint, create=False)
            rows: list[Any] = []
            if pid is not None:
                undone = sa.exists().where(u.c.undo_of == e.c.uuid)
                query = (
                    sa.select(e.c.id, e.c.uuid, e.c.well, r.c.name, e.c.kind, e.c.call, e.c.confidence, e.c.tags,
                              e.c.note, e.c.created_at, e.c.undo_of, undone.label("undone"))
                    .join(r, r.c.id == e.c.reviewer_id)
                    .where(e.c.plate_id == pid)
                    .order_by(e.c.created_at, e.c.id)
                )
                if well is not None:
                    query = query.where(e.c.well == self._well(plate, well))
                rows = conn.execute(query).all()
        df = pd.DataFrame([tuple(x) for x in rows], columns=_EVENT_COLUMNS)
        df["event_id"] = df["event_id"].astype("int64")
        df["confidence"] = df["confidence"].astype("Int64")
        parsed: dict[str, list[str]] = {}  # few distinct tag lists: parse each once
        for t in set(df["tags"]):
            parsed[t] = json.loads(t)
        df["tags"] = [list(parsed[t]) for t in df["tags"]]
        df["time"] = pd.to_datetime(df["time"], utc=True)  # SQLite hands back naive UTC, PostgreSQL aware
        df["undone"] = df["undone"].astype(bool)
        df.attrs.update(plate=name, fingerprint=fingerprint)
        return df

    def history(self, plate: Any, well: str | None = None) -> Any:
        """Every event (calls and undos), oldest first; ``undone`` marks calls that were undone.

        Columns: event_id, uuid, well, reviewer, kind ("call" or "undo"), call, confidence,
        tags (list), note, time (UTC), undo_of (uuid of the undone call), undone.
        """
        return self._events(plate, well).reset_index(drop=True)

    def current(self, plate: Any) -> Any:
        """Each reviewer's call in force on each well (the latest that was not undone).

        Columns: well, reviewer, call, confidence, tags, note, time, event_id, uuid;
        sorted by well (plate order) then reviewer.
        """
        events = self._events(plate)
        calls = events[(events["kind"] == "call") & ~events["undone"]]
        latest = calls.groupby(["well", "reviewer"], sort=False).tail(1)
        columns = ["well", "reviewer", "call", "confidence", "tags", "note", "time", "event_id", "uuid"]
        out = latest[columns].copy()
        order = sorted(range(len(out)), key=lambda i: (_plate_order(out["well"].iat[i]), out["reviewer"].iat[i]))
        out = out.iloc[order].reset_index(drop=True)
        out.attrs.update(events.attrs)
        return out

    def consensus(self, plate: Any) -> Any:
        """Majority call per well over the reviewers' current calls.

        Index: well. Columns: call (missing on a tie), n_reviewers, n_hit, n_candidate, n_reject,
        n_unsure, agreement (share behind the majority), conflict (reviewers disagree), tie.
        """
        return consensus_table(self.current(plate), CALLS)

    def agreement(self, plate: Any) -> dict[str, Any]:
        """Agreement between reviewers: Cohen's kappa for two, Fleiss' kappa for more.

        See :func:`imaging_explorer.annotations.agreement.agreement_summary` for the keys.
        """
        return agreement_summary(self.current(plate), CALLS)

    # -- exchange ----------------------------------------------------------------------------
    def export(self, plate: Any, path: str | os.PathLike[str], what: str = "events") -> Path:
        """Write a plate's annotations to CSV (``.csv``, ``.tsv``) or Parquet (``.parquet``).

        ``what="events"`` (default): every event, the form :meth:`import_` reads back (tags as
        ``a;b``, time as ISO 8601 UTC). ``"current"``: each reviewer's call in force per well;
        ``"consensus"``: the majority per well. The last two add the stored plate map's
        compound_id, concentration and role when there is one. The file is replaced atomically.
        """
        from .exchange import write_table

        if what == "events":
            df = self.history(plate)
            out = df.assign(plate=df.attrs["plate"], fingerprint=df.attrs["fingerprint"])
            out["tags"] = [";".join(t) for t in out["tags"]]
            out = out[_EXPORT_EVENTS]
        elif what in ("current", "consensus"):
            table = self.current(plate) if what == "current" else self.consensus(plate).reset_index()
            name, fingerprint, _ = self._identity(plate, allow_name=True)
            out = table.assign(plate=name, fingerprint=fingerprint)
            if "tags" in out:
                out["tags"] = [";".join(t) for t in out["tags"]]
            out = out[["plate", "fingerprint", *[c for c in table.columns if c not in ("plate", "fingerprint")]]]
            pm = self.platemap(plate)
            if pm is not None:
                keep = [c for c in ("compound_id", "concentration", "role") if c in pm.columns]
                out = out.merge(pm[keep], left_on="well", right_index=True, how="left")
        else:
            raise ValueError(f"what={what!r}: use 'events', 'current' or 'consensus'")
        return write_table(out, Path(path))

    def import_(self, path: str | os.PathLike[str]) -> int:
        """Add the events of an export (CSV or Parquet); returns how many were new.

        Idempotent: events are identified by their uuid, so importing the same file twice (or
        an export that overlaps this store) adds nothing the second time. Plates and reviewers
        are created as needed. The whole file is checked first and added in one transaction:
        on any problem nothing is added and the error lists the rows.
        """
        from .exchange import read_events

        self._refuse_if_read_only()
        rows = read_events(Path(path))
        if not rows:
            return 0
        e = S.events
        with self._write() as conn:
            uuids = [r["uuid"] for r in rows]
            existing: set[str] = set()
            for i in range(0, len(uuids), 500):
                chunk = uuids[i:i + 500]
                existing.update(conn.execute(sa.select(e.c.uuid).where(e.c.uuid.in_(chunk))).scalars())
            new = [r for r in rows if r["uuid"] not in existing]
            if not new:
                return 0
            calls_in_file = {r["uuid"] for r in rows if r["kind"] == "call"}
            targets = {r["undo_of"] for r in new if r["kind"] == "undo"} - calls_in_file
            known: set[str] = set()
            for chunk in _chunks(sorted(targets), 500):
                known.update(conn.execute(sa.select(e.c.uuid).where(e.c.uuid.in_(chunk), e.c.kind == "call")).scalars())
            missing = [r for r in new if r["kind"] == "undo" and r["undo_of"] not in calls_in_file and r["undo_of"] not in known]
            if missing:
                listed = "; ".join(f"row {r['row']}: undo of {r['undo_of']}" for r in missing[:10])
                raise AnnotationStoreError(f"{path}: {len(missing)} undo event(s) refer to calls that are neither in "
                                           f"the file nor in the store ({listed}). Nothing was imported.")
            plate_ids = {k: self._plate_id(conn, *k) for k in {(r["plate"], r["fingerprint"]) for r in new}}
            reviewer_ids = {k: self._reviewer_id(conn, k) for k in {r["reviewer"] for r in new}}
            new.sort(key=lambda r: (r["created_at"], r["kind"] == "undo", r["row"]))
            conn.execute(sa.insert(e), [
                {"uuid": r["uuid"], "plate_id": plate_ids[(r["plate"], r["fingerprint"])], "well": r["well"],
                 "reviewer_id": reviewer_ids[r["reviewer"]], "kind": r["kind"], "call": r["call"],
                 "confidence": r["confidence"], "tags": r["tags"], "note": r["note"], "created_at": r["created_at"],
                 "undo_of": r["undo_of"]}
                for r in new
            ])
        self._plate_ids.update(plate_ids)
        self._reviewer_ids.update(reviewer_ids)
        return len(new)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
