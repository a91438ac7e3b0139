"""AnnotationStore: reviewers' calls on wells, append-only, in SQLite (default) or PostgreSQL.

One code path (SQLAlchemy Core) for both back-ends. Every public call runs in its own
transaction and is committed before it returns: an event id handed back is on disk.

SQLite: WAL journal with ``synchronous=FULL`` (an acknowledged call survives a crash or power
loss), ``busy_timeout`` for waiting on other writers, ``BEGIN IMMEDIATE`` for writes (a writer
takes the lock before reading, so two processes never deadlock on an upgrade). A file on a
network filesystem is refused: WAL needs shared memory that NFS/SMB cannot give.

PostgreSQL (psycopg 3): each connection waits at most ``busy_timeout`` for a lock
(``lock_timeout``; without it a write behind another program's lock would hang for ever), talks
UTC, and gives up connecting after 10 s unless the URL says otherwise. Reads run in one
REPEATABLE READ, READ ONLY snapshot. A role that may not insert events, a hot standby or a
role whose transactions are read-only by default open the store read-only.

The store is put together from mixins, one job each: :mod:`.transactions`, :mod:`.identities`,
:mod:`.writes`, :mod:`.queries`, :mod:`.compounds` (calls on compounds) and :mod:`.import_export`.
This module opens the database: the back-end from the URL, the filesystem checks (the SQLite
file itself: :mod:`.sqlite_file`), the connection settings and the schema (brought forward
when it is older, see :mod:`.schema`).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import weakref
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .. import _dirs
from . import schema as S
from . import sqlite_file
from .compounds import _Compounds
from .import_export import _ImportExport
from .sqlite_file import UnsharedWal, writable
from .transactions import AnnotationStoreError

__all__ = ["CALLS", "TAGS", "AnnotationStore", "AnnotationStoreError", "network_filesystem"]

CALLS = S.CALLS
TAGS = S.TAGS
#: Filesystems on which SQLite's WAL mode (and its locking) is unsafe.
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "v9fs", "ceph", "glusterfs",
    "lustre", "gpfs", "fuse.sshfs", "fuse.glusterfs", "fuse.s3fs", "fuse.gcsfuse", "fuse.rclone", "fuse.cephfs",
    "davfs", "fuse.davfs2",
})
MOUNTS_FILE = "/proc/mounts"


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


class AnnotationStore(_ImportExport, _Compounds):
    """Reviewers' calls on the wells (and compounds) of plates, with their full history.

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
        #: the database's schema version once open (older than SCHEMA_VERSION only when it could not be
        #: upgraded: ``upgrade_reason`` says why, and compound calls need version 2)
        self.schema_version = 0
        self.upgrade_reason = ""
        #: PostgreSQL: whether this role may read compound calls, and why it may not add them ("": it may)
        self.compound_calls_readable = True
        self.compound_calls_reason = ""
        self.path: Path | None = None
        self._plate_ids: dict[tuple[str, str], int] = {}
        self._reviewer_ids: dict[str, int] = {}
        self._snapshot: weakref.finalize[..., Any] | None = None
        text = os.fspath(url_or_path) if url_or_path is not None else _dirs.annotation_store_location()
        if text is not None and re.match(r"^postgres(ql)?(\+\w+)?://", text):
            self.backend = "postgresql"
            self.url = re.sub(r"://[^@/]*@", "://***@", text)  # never show a password
            self._engine = self._postgresql_engine(text)
        else:
            self.backend = "sqlite"
            path = Path(text.removeprefix("sqlite:///") if text.startswith("sqlite:///") else text)
            self.path = path.expanduser().resolve()
            self.url = str(self.path)
            self._engine = self._sqlite_engine(self.path)
        try:
            self._init_schema()
        except BaseException:
            self.close()
            raise

    # -- opening ---------------------------------------------------------------------------
    def _postgresql_engine(self, url: str) -> sa.Engine:
        url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
        connect_args = {} if "connect_timeout=" in url else {"connect_timeout": 10}
        try:
            engine = sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        except ImportError as e:
            raise AnnotationStoreError(f"{self.url}: the PostgreSQL back-end needs psycopg "
                                       f"(pip install 'psycopg[binary]'): {e}") from e
        # 0 would mean "wait for ever" to PostgreSQL: at least 1 ms
        timeout_ms = max(1, int(self.busy_timeout * 1000))

        @sa.event.listens_for(engine, "connect")
        def _session_settings(dbapi_connection: Any, _record: Any) -> None:
            autocommit = dbapi_connection.autocommit
            dbapi_connection.autocommit = True  # session settings, outside any transaction
            try:
                with dbapi_connection.cursor() as cur:
                    cur.execute(f"SET lock_timeout = {timeout_ms}")  # like SQLite's busy_timeout
                    cur.execute("SET TimeZone = 'UTC'")
            finally:
                dbapi_connection.autocommit = autocommit

        if self.read_only:
            engine = engine.execution_options(postgresql_readonly=True)
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
        target = path  # what the connections open: the file, or a private copy of it and its log
        if path.exists():
            target = self._existing_sqlite(path)
        elif self.read_only:
            raise AnnotationStoreError(f"{path}: no annotation database here")
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise AnnotationStoreError(f"{path}: cannot create the annotation database's folder ({e})") from e
            if not writable(path.parent):
                raise AnnotationStoreError(f"{path}: cannot create the annotation database: its folder is read-only")

        timeout_ms = int(self.busy_timeout * 1000)
        read_only, timeout = self.read_only, self.busy_timeout

        def connect() -> sqlite3.Connection:
            con = sqlite_file.connect(target, read_only, timeout)
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

    def _existing_sqlite(self, path: Path) -> Path:
        """Check an existing file, note why it is read-only; the file to open (a snapshot if need be)."""
        if not self.read_only and not writable(path):
            self.read_only, self.read_only_reason = True, "the database file is read-only"
        elif not self.read_only and not writable(path.parent):
            self.read_only = True
            self.read_only_reason = "its folder is read-only (SQLite needs to write its -wal and -shm files there)"
        try:
            sqlite_file.check_file(path)
            return path
        except UnsharedWal:
            pass
        # calls still in the -wal that SQLite cannot read in place: read a private copy of both
        copy = sqlite_file.wal_snapshot(path)
        self._snapshot = weakref.finalize(self, shutil.rmtree, copy.parent, True)
        self.read_only = True
        self.read_only_reason = (f"{self.read_only_reason or 'opened read-only'}; its folder has no {path.name}-shm file, "
                                 f"so it is read from a private copy with its -wal log ({copy.parent})")
        sqlite_file.check_file(copy)
        return copy

    def _postgresql_cannot_write(self, conn: sa.Connection, version: int) -> str:
        """Why this PostgreSQL session cannot add events (a reason for read-only), or ""."""
        standby, default_ro, user = conn.execute(sa.text(
            "SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only') = 'on', current_user"
        )).one()
        if standby:
            return "the PostgreSQL server is a read-only standby"
        if default_ro:
            return f"transactions of the role {user!r} are read-only (default_transaction_read_only)"
        if version == 0:
            schema, may_create = conn.execute(sa.text(
                "SELECT current_schema(), has_schema_privilege(current_user, current_schema(), 'CREATE')")).one()
            if not may_create:
                return f"the role {user!r} may not create the annotation tables in schema {schema!r}"
        else:
            may_insert = conn.execute(sa.text(
                "SELECT has_table_privilege(current_user, 'annotation_events', 'INSERT')")).scalar()
            if not may_insert:
                return f"the role {user!r} may read but not add annotation events"
        return ""

    def _postgresql_cannot_upgrade(self, conn: sa.Connection) -> str:
        """Why this session cannot bring an older schema forward (a reason to stay at it), or ""."""
        schema, may_create, user = conn.execute(sa.text(
            "SELECT current_schema(), has_schema_privilege(current_user, current_schema(), 'CREATE'), current_user"
        )).one()
        return "" if may_create else f"the role {user!r} may not create tables in schema {schema!r}"

    def _found_version(self) -> int:
        """The database's schema version; on PostgreSQL, also whether this session may write and upgrade it."""
        with self._read() as conn:  # the usual case needs no write lock (another writer may hold it)
            version = S.current_version(conn)
            if self.backend == "postgresql" and not self.read_only:
                reason = self._postgresql_cannot_write(conn, version)
                if reason:
                    self.read_only, self.read_only_reason = True, reason
                elif 0 < version < S.SCHEMA_VERSION:
                    self.upgrade_reason = self._postgresql_cannot_upgrade(conn)
            if self.backend == "postgresql" and S.COMPOUND_VERSION <= version <= S.SCHEMA_VERSION:
                self._postgresql_compound_access(conn)
        return version

    def _postgresql_compound_access(self, conn: sa.Connection) -> None:
        """May this role read and add compound calls? (Grants made before version 2 do not cover its table.)"""
        may_read, may_add, user = conn.execute(sa.text(
            "SELECT has_table_privilege(current_user, 'compound_events', 'SELECT'), "
            "has_table_privilege(current_user, 'compound_events', 'INSERT') AND has_sequence_privilege("
            "current_user, pg_get_serial_sequence('compound_events', 'id'), 'USAGE'), current_user")).one()
        grant = (f"the database's owner can GRANT SELECT, INSERT ON compound_events TO {user}; "
                 f"GRANT USAGE ON SEQUENCE compound_events_id_seq TO {user}")
        if not may_read:
            self.compound_calls_readable = False
            self.compound_calls_reason = f"the role {user!r} may not read compound calls ({grant})"
        elif not may_add and not self.read_only:
            self.compound_calls_reason = f"the role {user!r} may read but not add compound calls ({grant})"

    def _init_schema(self) -> None:
        version = self.schema_version = self._found_version()
        if version > S.SCHEMA_VERSION and self.read_only:
            raise AnnotationStoreError(f"{self.url}: schema version {version}, this program uses {S.SCHEMA_VERSION}: "
                                       "it was written by a newer imaging-explorer; update imaging-explorer")
        if self.read_only and version == 0:
            raise AnnotationStoreError(f"{self.url}: an empty database; it cannot be read while read-only "
                                       f"({self.read_only_reason}). Open it once with write access to create it.")
        if self.read_only and version < S.SCHEMA_VERSION:
            # readable as it is (well calls); what needs a newer version says so when asked
            self.upgrade_reason = f"it is read-only: {self.read_only_reason}"
        if self.read_only or self.upgrade_reason or version == S.SCHEMA_VERSION:
            return
        try:
            with self._write("open") as conn:
                S.create_schema(conn)
        except RuntimeError as e:  # a newer schema
            raise AnnotationStoreError(f"{self.url}: {e}; update imaging-explorer") from e
        self.schema_version = S.SCHEMA_VERSION

    def close(self) -> None:
        """Close the database connections (also done when the store is garbage collected)."""
        self._engine.dispose()
        if self._snapshot is not None:
            self._snapshot()  # remove the private copy

    def __enter__(self) -> AnnotationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = ", read-only" if self.read_only else ""
        return f"AnnotationStore({self.url!r}{mode})"
