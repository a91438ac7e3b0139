"""The read queries of the annotation store: plates, reviewers, history, current calls, consensus.

All read from one snapshot each and never take the write lock; the current call of a reviewer
is derived from the append-only history (the latest call not undone), and consensus and
agreement are computed from those current calls.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa

from . import schema as S
from .agreement import Agreement, agreement_summary, consensus_table
from .identities import _Identities
from .schema import CALLS
from .transactions import AnnotationStoreError

if TYPE_CHECKING:
    import pandas as pd

    from .identities import PlateRef

#: The plate map's columns that current calls, consensus and their exports carry.
PLATEMAP_COLUMNS = ("compound_id", "concentration", "role")
_EVENT_COLUMNS = ["event_id", "uuid", "well", "reviewer", "kind", "call", "confidence", "tags", "note", "time",
                  "undo_of", "undone"]


def events_query(table: sa.Table, column: str, pid: int, key: str | None) -> sa.Select:
    """A plate's events in ``table`` (well or compound events; of one ``key`` of ``column`` when
    given), oldest first, with the reviewer's name and whether each was undone."""
    e, r, u = table, S.reviewers, table.alias("u")
    undone = sa.exists().where(u.c.undo_of == e.c.uuid)
    query = (
        sa.select(e.c.id, e.c.uuid, e.c[column], r.c.name, e.c.kind, e.c.call, e.c.confidence, e.c.tags,
                  e.c.note, e.c.created_at, e.c.undo_of, undone.label("undone"))
        .join(r, r.c.id == e.c.reviewer_id)
        .where(e.c.plate_id == pid)
        .order_by(e.c.created_at, e.c.id)
    )
    return query if key is None else query.where(e.c[column] == key)


def event_frame(rows: Sequence[Sequence[object]], columns: list[str]) -> pd.DataFrame:
    """Event rows as a table: ids as integers, tags as lists, times in UTC, ``undone`` as bool."""
    import pandas as pd

    df = pd.DataFrame([tuple(x) for x in rows], columns=columns)
    df["event_id"] = df["event_id"].astype("int64")
    df["confidence"] = df["confidence"].astype("Int64")
    parsed: dict[str, list[str]] = {}  # few distinct tag lists: parse each once
    for t in set(df["tags"]):
        parsed[t] = json.loads(t)
    df["tags"] = [list(parsed[t]) for t in df["tags"]]
    df["time"] = pd.to_datetime(df["time"], utc=True)  # SQLite hands back naive UTC, PostgreSQL aware
    df["undone"] = df["undone"].astype(bool)
    return df


def _plate_order(key: object) -> tuple[int, str, float, str]:
    row, _, col = str(key).partition("/")
    return (len(row), row, int(col) if col.isdigit() else math.inf, col)


class _Queries(_Identities):
    """What is in the store, read back as lists and pandas tables."""

    def platemap(self, plate: PlateRef) -> pd.DataFrame | None:
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

    def plates(self) -> pd.DataFrame:
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
            known = ", ".join(sorted(set(self.plates()["name"]))[:10]) or "none"
            raise AnnotationStoreError(f"{self.url}: no plate named {name!r}"
                                       f"{f' with fingerprint {fingerprint}' if fingerprint else ''} (plates: {known})")
        if len(rows) > 1:
            raise AnnotationStoreError(f"{self.url}: {len(rows)} plates are named {name!r} (fingerprints "
                                       f"{', '.join(r.fingerprint for r in rows)}); give the fingerprint too")
        return rows[0].name, rows[0].fingerprint

    def latest_event_id(self, plate: PlateRef | None = None) -> int:
        """The newest event id (of a plate, or of the store): cheap to poll for others' changes."""
        return self._latest_id(S.events, plate)

    def _events(self, plate: PlateRef, well: str | None = None) -> pd.DataFrame:
        name, fingerprint, _ = self._identity(plate, allow_name=True)
        with self._read() as conn:
            pid = self._plate_id(conn, name, fingerprint, create=False)
            rows: Sequence[Sequence[object]] = []
            if pid is not None:
                key = None if well is None else self._well(plate, well)
                rows = conn.execute(events_query(S.events, "well", pid, key)).all()
        df = event_frame(rows, _EVENT_COLUMNS)
        df.attrs.update(plate=name, fingerprint=fingerprint)
        return df

    def history(self, plate: PlateRef, well: str | None = None) -> pd.DataFrame:
        """Every event (calls and undos), oldest first; ``undone`` marks calls that were undone.

        Columns: event_id, uuid, well, reviewer, kind ("call" or "undo"), call, confidence,
        tags (list), note, time (UTC), undo_of (uuid of the undone call), undone.
        """
        return self._events(plate, well).reset_index(drop=True)

    def with_platemap(self, table: pd.DataFrame, plate: PlateRef) -> pd.DataFrame:
        """``table`` (a ``well`` column or a well index) with the stored plate map's compound_id,
        concentration and role added; unchanged when no plate map was saved for the plate.
        Wells the map does not list get blanks."""
        pm = self.platemap(plate)
        if pm is None:
            return table
        keep = [c for c in PLATEMAP_COLUMNS if c in pm.columns and c not in table.columns]
        if "well" in table.columns:
            out = table.merge(pm[keep], left_on="well", right_index=True, how="left")
            out.index = table.index
        else:
            out = table.join(pm[keep], how="left")
        out.attrs.update(table.attrs)
        return out

    def current(self, plate: PlateRef, platemap: bool = False) -> pd.DataFrame:
        """Each reviewer's call in force on each well (the latest that was not undone).

        Columns: well, reviewer, call, confidence, tags, note, time, event_id, uuid;
        sorted by well (plate order) then reviewer. ``platemap=True`` adds the stored plate
        map's compound_id, concentration and role (see :meth:`with_platemap`).
        """
        events = self._events(plate)
        calls = events[(events["kind"] == "call") & ~events["undone"]]
        latest = calls.groupby(["well", "reviewer"], sort=False).tail(1)
        columns = ["well", "reviewer", "call", "confidence", "tags", "note", "time", "event_id", "uuid"]
        out = latest[columns].copy()
        order = sorted(range(len(out)), key=lambda i: (_plate_order(out["well"].iat[i]), out["reviewer"].iat[i]))
        out = out.iloc[order].reset_index(drop=True)
        out.attrs.update(events.attrs)
        return self.with_platemap(out, plate) if platemap else out

    def consensus(self, plate: PlateRef, platemap: bool = False) -> pd.DataFrame:
        """Majority call per well over the reviewers' current calls.

        Index: well. Columns: call (missing on a tie), n_reviewers, n_hit, n_candidate, n_reject,
        n_unsure, agreement (share behind the majority), conflict (reviewers disagree), tie;
        ``platemap=True`` adds compound_id, concentration and role (see :meth:`with_platemap`).
        """
        table = consensus_table(self.current(plate), CALLS)
        return self.with_platemap(table, plate) if platemap else table

    def agreement(self, plate: PlateRef) -> Agreement:
        """Agreement between reviewers: Cohen's kappa for two, Fleiss' kappa for more.

        See :func:`imaging_explorer.annotations.agreement.agreement_summary` for the keys.
        """
        return agreement_summary(self.current(plate), CALLS)
