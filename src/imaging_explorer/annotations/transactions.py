"""Transactions of the annotation store: one per public call, with errors a user can act on.

Kept apart from opening and from the queries so that every read and write goes through the
same two doors (``_read``: one snapshot; ``_write``: the write lock first, commit before
returning) and every driver error is turned into one :class:`AnnotationStoreError` wording.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ..errors import AnnotationStoreError

__all__ = ["AnnotationStoreError"]




def _now() -> datetime:
    return datetime.now(UTC)


def _inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the one row an INSERT added."""
    key = result.inserted_primary_key
    assert key is not None  # typed Optional; a single-row INSERT without RETURNING always has one
    return int(key[0])


class _Transactions:
    """The base of :class:`~imaging_explorer.annotations.store.AnnotationStore`: its transactions."""

    url: str
    backend: str
    busy_timeout: float
    read_only: bool
    read_only_reason: str
    _engine: sa.Engine

    def _translate(self, error: Exception, action: str) -> AnnotationStoreError:
        orig = getattr(error, "orig", error)
        text = str(orig)
        saved = "" if action in ("read", "open") else " Nothing was saved."
        # PostgreSQL: lock_timeout (55P03) is its busy_timeout; 25006: write in a read-only transaction
        sqlstate = getattr(orig, "sqlstate", None)
        if sqlstate == "55P03" or "locked" in text or "busy" in text or "lock timeout" in text:
            return AnnotationStoreError(
                f"{self.url}: the annotation database is locked by another program (waited {self.busy_timeout:g} s).{saved} "
                "Try again; if it stays locked, close other imaging-explorer sessions using this database.")
        if (sqlstate == "25006" or "readonly" in text.replace(" ", "").replace("-", "")
                or "read only" in text):
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
                else:  # one snapshot too, and a read never writes (reset when the connection goes back)
                    conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                yield conn
                conn.rollback()
        except sa.exc.DBAPIError as e:
            raise self._translate(e, "read") from e
