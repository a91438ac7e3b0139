"""Reviewers' calls on compounds (schema version 2): the compound card's hit / candidate / reject / unsure.

The same as calls on wells, in a table of their own (``compound_events``): append-only, an undo
is an event naming the call it undoes, the current call of a reviewer is the latest not undone,
the consensus is the majority of the current calls. A compound is the plate map's compound_id on
one plate (the same compound on another plate is called there separately).

A database still at schema version 1 (opened read-only, or by a PostgreSQL role that may not
create tables) reads as having no compound calls, and a compound call asked of it says that
the database needs an upgrade. So does a PostgreSQL role whose grants were made before the
upgrade (they do not cover the new table): no compound calls shown, and a call says which GRANT
is missing.
"""

from __future__ import annotations

import json
import uuid as _uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa

from . import schema as S
from .agreement import consensus_table
from .queries import event_frame, events_query
from .transactions import AnnotationStoreError, _inserted_id, _now
from .values import check_compound
from .writes import _Writes

if TYPE_CHECKING:
    import pandas as pd

    from .identities import PlateKey, PlateRef

_COMPOUND_EVENT_COLUMNS = ["event_id", "uuid", "compound", "reviewer", "kind", "call", "confidence", "tags", "note",
                           "time", "undo_of", "undone"]
_CURRENT_COLUMNS = ["compound", "reviewer", "call", "confidence", "tags", "note", "time", "event_id", "uuid"]


class _Compounds(_Writes):
    """annotate_compound, undo_compound, compound_history, compound_current, compound_consensus."""

    schema_version: int
    upgrade_reason: str
    compound_calls_readable: bool
    compound_calls_reason: str

    @property
    def has_compound_calls(self) -> bool:
        """Whether the database holds compound calls (schema version 2 or later) that this store may read."""
        return self.schema_version >= S.COMPOUND_VERSION and self.compound_calls_readable

    def _refuse_without_compounds(self) -> None:
        if self.schema_version < S.COMPOUND_VERSION:
            raise AnnotationStoreError(
                f"{self.url}: compound calls need annotation schema version {S.COMPOUND_VERSION}; this database is "
                f"at version {self.schema_version} and was not upgraded ({self.upgrade_reason}). Nothing was saved. "
                "Open it once with write access (on PostgreSQL: as a role that may create tables) to upgrade it.")
        if self.compound_calls_reason:
            raise AnnotationStoreError(f"{self.url}: {self.compound_calls_reason}. Nothing was saved.")

    # -- writing -----------------------------------------------------------------------------
    def annotate_compound(self, plate: PlateKey, compound: str, *, call: str, reviewer: str,
                          confidence: int | None = None, tags: Iterable[str] = (), note: str = "") -> int:
        """Record a reviewer's call on a compound of the plate; returns the event id once committed.

        ``compound``: the plate map's compound_id. ``call``, ``confidence``, ``tags`` and ``note``
        as in :meth:`annotate`. Raises ValueError for a bad value and AnnotationStoreError when the
        store cannot save it (read-only, locked, or a database that needs an upgrade first).
        """
        name, fingerprint, location = self._identity(plate, allow_name=False)
        row = {
            "uuid": str(_uuid.uuid4()), "compound": check_compound(compound), "kind": "call",
            "call": self._check_call(call), "confidence": self._check_confidence(confidence),
            "tags": json.dumps(self._check_tags(tags)), "note": "" if note is None else str(note),
            "created_at": _now(),
        }
        reviewer = self._check_reviewer(reviewer)
        self._refuse_without_compounds()
        with self._write() as conn:
            pid = self._plate_id(conn, name, fingerprint, location)
            rid = self._reviewer_id(conn, reviewer)
            event_id = _inserted_id(conn.execute(
                sa.insert(S.compound_events).values(plate_id=pid, reviewer_id=rid, **row)))
        self._plate_ids[(name, fingerprint)] = pid
        self._reviewer_ids[reviewer] = rid
        return int(event_id)

    def undo_compound(self, plate: PlateKey, compound: str, reviewer: str) -> int | None:
        """Undo the reviewer's latest call on the compound still in force (a new ``undo`` event).

        As :meth:`undo`: the call before it is current again; returns the undo event's id, or None
        when there is nothing to undo.
        """
        name, fingerprint, _ = self._identity(plate, allow_name=False)
        compound = check_compound(compound)
        reviewer = self._check_reviewer(reviewer)
        self._refuse_without_compounds()
        return self._undo_latest(S.compound_events, "compound", compound, name, fingerprint, reviewer)

    # -- reading -----------------------------------------------------------------------------
    def compound_history(self, plate: PlateRef, compound: str | None = None) -> pd.DataFrame:
        """Every compound event of the plate (or of one compound), oldest first.

        Columns as :meth:`history` with ``compound`` in place of ``well``: event_id, uuid,
        compound, reviewer, kind ("call" or "undo"), call, confidence, tags (list), note,
        time (UTC), undo_of (uuid of the undone call), undone.
        """
        name, fingerprint, _ = self._identity(plate, allow_name=True)
        rows: Sequence[Sequence[object]] = []
        if self.has_compound_calls:
            with self._read() as conn:
                pid = self._plate_id(conn, name, fingerprint, create=False)
                if pid is not None:
                    key = None if compound is None else check_compound(compound)
                    rows = conn.execute(events_query(S.compound_events, "compound", pid, key)).all()
        df = event_frame(rows, _COMPOUND_EVENT_COLUMNS)
        df.attrs.update(plate=name, fingerprint=fingerprint)
        return df

    def compound_current(self, plate: PlateRef) -> pd.DataFrame:
        """Each reviewer's call in force on each compound of the plate (the latest not undone).

        Columns: compound, reviewer, call, confidence, tags, note, time, event_id, uuid;
        sorted by compound then reviewer.
        """
        events = self.compound_history(plate)
        calls = events[(events["kind"] == "call") & ~events["undone"]]
        latest = calls.groupby(["compound", "reviewer"], sort=False).tail(1)
        out = latest[_CURRENT_COLUMNS].sort_values(["compound", "reviewer"], kind="stable").reset_index(drop=True)
        out.attrs.update(events.attrs)
        return out

    def compound_consensus(self, plate: PlateRef) -> pd.DataFrame:
        """Majority call per compound over the reviewers' current calls (the rule of :meth:`consensus`).

        Index: compound. Columns: call (missing on a tie), n_reviewers, n_hit, n_candidate,
        n_reject, n_unsure, agreement, conflict, tie.
        """
        return consensus_table(self.compound_current(plate), S.CALLS, key="compound")

    def latest_compound_event_id(self, plate: PlateRef | None = None) -> int:
        """The newest compound event id (of a plate, or of the store); 0 when there is none."""
        return self._latest_id(S.compound_events, plate) if self.has_compound_calls else 0
