"""The write path of the annotation store: check a call's values, then append an event.

Events are only ever added: a call, an undo (an event naming the call it undoes) and saved
plate maps. Values are checked before the write lock is taken, and a bad one is named along
with the allowed set.
"""

from __future__ import annotations

import json
import uuid as _uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from . import schema as S
from .identities import _Identities
from .transactions import _inserted_id, _now
from .values import check_call, check_confidence, check_reviewer, check_tags

if TYPE_CHECKING:
    import pandas as pd

    from .identities import PlateKey


class _Writes(_Identities):
    """annotate, undo and save_platemap, with the checks of their values."""

    # the same checks as imports (values.py); kept as methods for the mixins that call them
    _check_call = staticmethod(check_call)
    _check_confidence = staticmethod(check_confidence)
    _check_reviewer = staticmethod(check_reviewer)

    @staticmethod
    def _check_tags(tags: Any) -> list[str]:
        if tags is None:
            return []
        return check_tags([tags] if isinstance(tags, str) else list(tags))

    # -- writing -----------------------------------------------------------------------------
    def annotate(self, plate: PlateKey, well: str, *, call: str, reviewer: str, confidence: int | None = None,
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
            event_id = _inserted_id(conn.execute(sa.insert(S.events).values(plate_id=pid, reviewer_id=rid, **row)))
        self._plate_ids[(name, fingerprint)] = pid
        self._reviewer_ids[reviewer] = rid
        return int(event_id)

    def undo(self, plate: PlateKey, well: str, reviewer: str) -> int | None:
        """Undo the reviewer's latest call on the well that is still in force (a new ``undo`` event).

        The call before it (if any) is current again; calling undo again steps further back.
        Returns the undo event's id, or None when there is nothing to undo.
        """
        name, fingerprint, _ = self._identity(plate, allow_name=False)
        well = self._well(plate, well)
        reviewer = self._check_reviewer(reviewer)
        return self._undo_latest(S.events, "well", well, name, fingerprint, reviewer)

    def _undo_latest(self, table: sa.Table, column: str, key: str, name: str, fingerprint: str,
                     reviewer: str) -> int | None:
        """An ``undo`` event for the reviewer's latest call in force on ``key`` (a well or a
        compound, in ``table``'s ``column``); None when there is none."""
        e, u = table, table.alias("u")
        with self._write() as conn:
            pid = self._plate_id(conn, name, fingerprint, create=False)
            rid = self._reviewer_id(conn, reviewer, create=False)
            if pid is None or rid is None:
                return None
            # serialise this reviewer's writes on PostgreSQL (SQLite holds the write lock already)
            conn.execute(sa.select(S.reviewers.c.id).where(S.reviewers.c.id == rid).with_for_update())
            target = conn.execute(
                sa.select(e.c.uuid)
                .where(e.c.plate_id == pid, e.c[column] == key, e.c.reviewer_id == rid, e.c.kind == "call",
                       ~sa.exists().where(u.c.undo_of == e.c.uuid))
                .order_by(e.c.created_at.desc(), e.c.id.desc())
                .limit(1)
            ).scalar()
            if target is None:
                return None
            event_id = _inserted_id(conn.execute(sa.insert(e).values(
                uuid=str(_uuid.uuid4()), plate_id=pid, reviewer_id=rid, kind="undo", call=None,
                confidence=None, tags="[]", note="", created_at=_now(), undo_of=target, **{column: key},
            )))
        return int(event_id)

    def save_platemap(self, plate: PlateKey, platemap: pd.DataFrame, source: str = "") -> int:
        """Keep a copy of a plate map (from :func:`~imaging_explorer.read_platemap`) with the plate.

        The newest copy is the plate's map (exports join it). Saving the map the plate has already
        (same content and source) adds nothing and returns that copy's id, so the Review dock can
        save the map each time it opens the plate.
        """
        name, fingerprint, location = self._identity(plate, allow_name=False)
        content = platemap.reset_index().to_json(orient="records", force_ascii=False)
        source = str(source or platemap.attrs.get("source", ""))
        t = S.platemaps
        with self._write() as conn:
            pid = self._plate_id(conn, name, fingerprint, location)
            newest = conn.execute(sa.select(t.c.id, t.c.content, t.c.source).where(t.c.plate_id == pid)
                                  .order_by(t.c.id.desc()).limit(1)).first()
            if newest is not None and newest.content == content and newest.source == source:
                return int(newest.id)
            new_id = _inserted_id(conn.execute(sa.insert(t).values(
                plate_id=pid, source=source, content=content, created_at=_now(),
            )))
        self._plate_ids[(name, fingerprint)] = pid
        return int(new_id)
