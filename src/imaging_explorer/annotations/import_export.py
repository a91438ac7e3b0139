"""Export and import of a store's annotations, so that reviewers' calls can move between stores.

The file formats live in :mod:`.exchange` (tables) and :mod:`.event_file` (an events file read
back and checked row by row); this is the store's side: which table goes out
(events, current calls or consensus, with the plate map's compounds), and adding the events
of a file by uuid, all of them or none, so that importing twice adds nothing, after the checks
that need the store: an undo cancels only its own reviewer's call on its own plate and well
(or compound), and a well keeps one spelling per plate. Compound events (schema version 2) travel
in the same events file, with a ``compound`` column (blank on well rows; their ``well`` is blank).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from . import schema as S
from .compounds import _Compounds
from .queries import _Queries
from .transactions import AnnotationStoreError

if TYPE_CHECKING:
    import pandas as pd

    from .identities import PlateRef

_MAX_LISTED = 30
_EXPORT_EVENTS = ["uuid", "plate", "fingerprint", "well", "reviewer", "kind", "call", "confidence", "tags", "note",
                  "time", "undo_of", "compound"]


class _ImportExport(_Queries, _Compounds):
    """export and import_."""

    def export(self, plate: PlateRef, path: str | os.PathLike[str], what: str = "events") -> Path:
        """Write a plate's annotations to CSV (``.csv``, ``.tsv``) or Parquet (``.parquet``).

        ``what="events"`` (default): every event, the form :meth:`import_` reads back (tags as
        ``a;b``, time as ISO 8601 UTC): the well events, then the compound events (their
        ``compound`` cell set, their ``well`` blank). ``"current"``: each reviewer's call in
        force per well; ``"consensus"``: the majority per well. The last two add the stored plate map's
        compound_id, concentration and role when there is one. The file is replaced atomically.

        CSV and TSV: a text cell that a spreadsheet would run as a formula (it begins with ``=``,
        ``+``, ``-``, ``@``, a tab or a carriage return, or with quotes followed by one of those)
        is written with a single quote in front; :meth:`import_` removes it again, so the
        round trip is exact. Parquet keeps every value as it is. See :mod:`.exchange`.
        """
        from .exchange import write_table

        if what == "events":
            out = self._event_export(plate)
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

    def _event_export(self, plate: PlateRef) -> pd.DataFrame:
        """The events file's rows: well events, then compound events."""
        import pandas as pd

        wells, compounds = self.history(plate), self.compound_history(plate)
        parts = [df for df in (wells.assign(compound=None), compounds.assign(well=None)) if len(df)]
        both = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts or [wells.assign(compound=None)])[0]
        out = both.assign(plate=wells.attrs["plate"], fingerprint=wells.attrs["fingerprint"])
        out["tags"] = [";".join(t) for t in out["tags"]]
        return out[_EXPORT_EVENTS]

    def import_(self, path: str | os.PathLike[str]) -> int:
        """Add the events of an export (CSV or Parquet); returns how many were new.

        Idempotent: events are identified by their uuid, so importing the same file twice (or
        an export that overlaps this store) adds nothing the second time. Plates and reviewers
        are created as needed. Every row is checked as :meth:`annotate` checks a call (call,
        confidence, tags, reviewer name, well name or compound id) and its time must lie between
        1970 and a day from now; an undo must undo a call of the same reviewer on the same plate
        and well (compound).
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
        if any(r.get("compound") for r in rows):
            self._refuse_without_compounds()
        with self._write() as conn:
            existing = self._stored_uuids(conn, [r["uuid"] for r in rows])
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
            for table, subject in ((S.events, "well"), (S.compound_events, "compound")):
                mine = [r for r in new if r.get(subject)]
                if mine:
                    conn.execute(sa.insert(table), [_event_row(r, subject, plate_ids, reviewer_ids) for r in mine])
        self._plate_ids.update(plate_ids)
        self._reviewer_ids.update(reviewer_ids)
        return len(new)

    def _stored_uuids(self, conn: sa.Connection, uuids: list[str]) -> set[str]:
        """Which of these uuids the store holds already (well or compound events)."""
        tables = [S.events, S.compound_events] if self.has_compound_calls else [S.events]
        existing: set[str] = set()
        for table in tables:
            for chunk in _chunks(uuids, 500):
                existing.update(conn.execute(sa.select(table.c.uuid).where(table.c.uuid.in_(chunk))).scalars())
        return existing

    def _stored_targets(self, conn: sa.Connection, uuids: list[str]) -> dict[str, _EventKey]:
        """What the store holds about these uuids (the events an undo names)."""
        p, r = S.plates, S.reviewers
        tables = [(S.events, "well")] + ([(S.compound_events, "compound")] if self.has_compound_calls else [])
        found: dict[str, _EventKey] = {}
        for e, subject in tables:
            query = (sa.select(e.c.uuid, e.c.kind, p.c.name, p.c.fingerprint, e.c[subject], r.c.name)
                     .join(p, p.c.id == e.c.plate_id).join(r, r.c.id == e.c.reviewer_id))
            for chunk in _chunks(uuids, 500):
                for uuid, kind, plate, fingerprint, what, reviewer in conn.execute(query.where(e.c.uuid.in_(chunk))):
                    found[uuid] = _EventKey(kind, plate, fingerprint, f"{subject} {what}", reviewer)
        return found

    def _undo_problems(self, conn: sa.Connection, rows: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
        """Each new undo must undo a call (in the store or the file) of its reviewer, plate and well (compound)."""
        undos = [r for r in new if r["kind"] == "undo"]
        if not undos:
            return []
        # what the store holds wins over what the file says about the same uuid
        targets = {x["uuid"]: _key(x, x["kind"]) for x in rows}
        targets.update(self._stored_targets(conn, sorted({u["undo_of"] for u in undos})))
        problems = []
        for u in undos:
            target = targets.get(u["undo_of"])
            mine = _key(u, "call")
            if target is None:
                problems.append(f"row {u['row']}: undo of {u['undo_of']}, a call that is neither in the file nor "
                                "in the store")
            elif target.kind != "call":
                problems.append(f"row {u['row']}: undo of {u['undo_of']}, which is an undo, not a call")
            elif target != mine:
                problems.append(f"row {u['row']}: undo by {u['reviewer']!r} of {mine.subject} on plate "
                                f"{u['plate']!r} names {target.reviewer!r}'s call on {target.subject} of plate "
                                f"{target.plate!r} ({target.fingerprint}): an undo only cancels the same reviewer's "
                                "call on the same well (compound)")
        return problems

    def _well_problems(self, conn: sa.Connection, new: list[dict[str, Any]]) -> list[str]:
        """A well spelt two ways on one plate (B/3 and b/03) would split its calls: refused."""
        e, p = S.events, S.plates
        problems = []
        new = [r for r in new if r.get("well")]  # compound events name no well
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
    subject: str  # "well B/3" or "compound CPD-1"
    reviewer: str


def _key(row: dict[str, Any], kind: str) -> _EventKey:
    subject = f"compound {row['compound']}" if row.get("compound") else f"well {row['well']}"
    return _EventKey(kind, row["plate"], row["fingerprint"], subject, row["reviewer"])


def _event_row(r: dict[str, Any], subject: str, plate_ids: dict[tuple[str, str], int],
               reviewer_ids: dict[str, int]) -> dict[str, Any]:
    """A checked file row as a row of the ``subject`` ("well" or "compound") event table."""
    return {"uuid": r["uuid"], "plate_id": plate_ids[(r["plate"], r["fingerprint"])], subject: r[subject],
            "reviewer_id": reviewer_ids[r["reviewer"]], "kind": r["kind"], "call": r["call"],
            "confidence": r["confidence"], "tags": r["tags"], "note": r["note"], "created_at": r["created_at"],
            "undo_of": r["undo_of"]}


def _same_well(key: str) -> tuple[str, str]:
    """B/3, b/03 and B/03 are one well."""
    row, _, col = key.partition("/")
    return row.upper(), str(int(col)) if col.isdigit() else col.upper()


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
