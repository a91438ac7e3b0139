"""Export and import of a store's annotations, so that reviewers' calls can move between stores.

The file formats live in :mod:`.exchange` (tables) and :mod:`.event_file` (an events file read
back and checked row by row); this is the store's side: which table goes out
(events, current calls or consensus, with the plate map's compounds), and adding the events
of a file by uuid, all of them or none, so that importing twice adds nothing, after the checks
that need the store: an undo cancels only its own reviewer's call on its own plate and well,
and a well keeps one spelling per plate.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from . import schema as S
from .queries import _Queries
from .transactions import AnnotationStoreError

if TYPE_CHECKING:
    from .identities import PlateRef

_MAX_LISTED = 30
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

        CSV and TSV: a text cell that a spreadsheet would run as a formula (it begins with ``=``,
        ``+``, ``-``, ``@``, a tab or a carriage return, or with quotes followed by one of those)
        is written with a single quote in front; :meth:`import_` removes it again, so the
        round trip is exact. Parquet keeps every value as it is. See :mod:`.exchange`.
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
        are created as needed. Every row is checked as :meth:`annotate` checks a call (call,
        confidence, tags, reviewer name, well name) and its time must lie between 1970 and a
        day from now; an undo must undo a call of the same reviewer on the same plate and well.
        The whole file is checked first and added in one transaction: on any problem nothing is
        added and the error names the file and lists the rows.
        """
        from .event_file import read_events

        self._refuse_if_read_only()
        return self.import_events(read_events(Path(path)), str(path))

    def import_events(self, rows: list[dict[str, Any]], source: str) -> int:
        """Add events as :func:`~.event_file.read_events` gives them (``source`` names them in errors)."""
        if not rows:
            self._refuse_if_read_only()
            return 0
        e = S.events
        with self._write() as conn:
            existing: set[str] = set()
            for chunk in _chunks([r["uuid"] for r in rows], 500):
                existing.update(conn.execute(sa.select(e.c.uuid).where(e.c.uuid.in_(chunk))).scalars())
            new = [r for r in rows if r["uuid"] not in existing]
            if not new:
                return 0
            problems = self._undo_problems(conn, rows, new) + self._well_problems(conn, new)
            if problems:
                shown = "\n".join(f"  {p}" for p in problems[:_MAX_LISTED])
                more = f"\n  … and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
                raise AnnotationStoreError(f"{source}: {len(problems)} problem(s); nothing was imported:\n{shown}{more}")
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

    def _undo_problems(self, conn: sa.Connection, rows: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
        """Each new undo must undo a call (in the store or the file) of its reviewer, plate and well."""
        undos = [r for r in new if r["kind"] == "undo"]
        if not undos:
            return []
        e, p, r = S.events, S.plates, S.reviewers
        # what the store holds wins over what the file says about the same uuid
        targets = {x["uuid"]: _EventKey(x["kind"], x["plate"], x["fingerprint"], x["well"], x["reviewer"]) for x in rows}
        query = (sa.select(e.c.uuid, e.c.kind, p.c.name, p.c.fingerprint, e.c.well, r.c.name)
                 .join(p, p.c.id == e.c.plate_id).join(r, r.c.id == e.c.reviewer_id))
        for chunk in _chunks(sorted({u["undo_of"] for u in undos}), 500):
            for uuid, *key in conn.execute(query.where(e.c.uuid.in_(chunk))):
                targets[uuid] = _EventKey(*key)
        problems = []
        for u in undos:
            target = targets.get(u["undo_of"])
            mine = _EventKey("call", u["plate"], u["fingerprint"], u["well"], u["reviewer"])
            if target is None:
                problems.append(f"row {u['row']}: undo of {u['undo_of']}, a call that is neither in the file nor "
                                "in the store")
            elif target.kind != "call":
                problems.append(f"row {u['row']}: undo of {u['undo_of']}, which is an undo, not a call")
            elif target != mine:
                problems.append(f"row {u['row']}: undo by {u['reviewer']!r} of well {u['well']} on plate "
                                f"{u['plate']!r} names {target.reviewer!r}'s call on well {target.well} of plate "
                                f"{target.plate!r} ({target.fingerprint}): an undo only cancels the same reviewer's "
                                "call on the same well")
        return problems

    def _well_problems(self, conn: sa.Connection, new: list[dict[str, Any]]) -> list[str]:
        """A well spelt two ways on one plate (B/3 and b/03) would split its calls: refused."""
        e, p = S.events, S.plates
        problems = []
        for plate, fingerprint in sorted({(r["plate"], r["fingerprint"]) for r in new}):
            spelt: dict[tuple[str, str], str] = {}
            pid = conn.execute(sa.select(p.c.id).where(p.c.name == plate, p.c.fingerprint == fingerprint)).scalar()
            if pid is not None:
                for well in conn.execute(sa.select(e.c.well).where(e.c.plate_id == pid).distinct()).scalars():
                    spelt.setdefault(_same_well(well), well)
            for x in new:
                if (x["plate"], x["fingerprint"]) != (plate, fingerprint):
                    continue
                first = spelt.setdefault(_same_well(x["well"]), x["well"])
                if first != x["well"]:
                    problems.append(f"row {x['row']}: well {x['well']!r} of plate {plate!r} is spelt {first!r} "
                                    "elsewhere (in the store or the file)")
        return problems


class _EventKey(NamedTuple):
    kind: str
    plate: str
    fingerprint: str
    well: str
    reviewer: str


def _same_well(key: str) -> tuple[str, str]:
    """B/3, b/03 and B/03 are one well."""
    row, _, col = key.partition("/")
    return row.upper(), str(int(col)) if col.isdigit() else col.upper()


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
