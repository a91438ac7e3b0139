"""Export and import of a store's annotations, so that reviewers' calls can move between stores.

The file formats live in :mod:`.exchange`; this is the store's side: which table goes out
(events, current calls or consensus, with the plate map's compounds), and adding the events
of a file by uuid, all of them or none, so that importing twice adds nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from . import schema as S
from .queries import _Queries
from .transactions import AnnotationStoreError

if TYPE_CHECKING:
    from .identities import PlateRef

_EXPORT_EVENTS = ["uuid", "plate", "fingerprint", "well", "reviewer", "kind", "call", "confidence", "tags", "note",
                  "time", "undo_of"]


class _ImportExport(_Queries):
    """export and import_."""

    def export(self, plate: PlateRef, path: str | os.PathLike[str], what: str = "events") -> Path:
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
            table = self.current(plate, platemap=True) if what == "current" \
                else self.consensus(plate, platemap=True).reset_index()
            name, fingerprint, _ = self._identity(plate, allow_name=True)
            out = table.assign(plate=name, fingerprint=fingerprint)
            if "tags" in out:
                out["tags"] = [";".join(t) for t in out["tags"]]
            out = out[["plate", "fingerprint", *[c for c in table.columns if c not in ("plate", "fingerprint")]]]
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
