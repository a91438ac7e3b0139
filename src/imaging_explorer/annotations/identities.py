"""Which plate, well and reviewer a call is about, and their rows in the store.

Separate from the write and read paths, which both need it: a plate given as a Plate, a
(name, fingerprint) pair or a name; a well checked against the plate; plate and reviewer rows
looked up (and created on writes, safely against a concurrent writer) and cached by id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeAlias, overload

import sqlalchemy as sa

from ..platemap import split_well_label
from . import schema as S
from .transactions import _inserted_id, _now, _Transactions
from .values import check_well_key

if TYPE_CHECKING:
    from typing_extensions import TypeIs

    from ..plate import Plate

    #: A plate as writes take it: a Plate or its (name, fingerprint) pair.
    PlateKey: TypeAlias = Plate | tuple[str, str]
    #: Reads also take the name of a stored plate.
    PlateRef: TypeAlias = Plate | tuple[str, str] | str


class _Identities(_Transactions):
    """Plates, wells and reviewers of the store (``find_plate`` comes from the read queries)."""

    _plate_ids: dict[tuple[str, str], int]
    _reviewer_ids: dict[str, int]

    if TYPE_CHECKING:
        def find_plate(self, name: str, fingerprint: str | None = None) -> tuple[str, str]: ...

    @staticmethod
    def _is_plate(plate: object) -> TypeIs[Plate]:
        return hasattr(plate, "wells") and hasattr(plate, "fingerprint")

    def _identity(self, plate: PlateRef, *, allow_name: bool) -> tuple[str, str, str]:
        """(name, fingerprint, location) of a Plate, a (name, fingerprint) pair or (reading) a name."""
        if self._is_plate(plate):
            return str(plate.name), str(plate.fingerprint), str(plate.location)
        if isinstance(plate, tuple | list) and len(plate) == 2 and all(isinstance(x, str) and x for x in plate):
            return plate[0], plate[1], ""
        if allow_name and isinstance(plate, str) and plate:
            name, fingerprint = self.find_plate(plate)
            return name, fingerprint, ""
        raise ValueError(f"plate must be a Plate or a (name, fingerprint) pair of strings, got {plate!r}")

    def _well(self, plate: PlateRef, well: str) -> str:
        text = str(well).strip()
        if self._is_plate(plate):
            known = list(plate.wells) + list(getattr(plate, "missing_wells", {}))
            if text in known:
                return text
            parsed = split_well_label(text)
            if parsed:
                for key in known:
                    r, _, c = key.partition("/")
                    if r.upper() == parsed[0] and (c == str(parsed[1]) or (c.isdigit() and int(c) == parsed[1])):
                        return key
            span = f"{known[0]} … {known[-1]}" if known else "none"
            raise ValueError(f"well {well!r} is not on plate {plate.name!r} (its wells: {span})")
        return check_well_key(text)

    @overload
    def _plate_id(self, conn: sa.Connection, name: str, fingerprint: str, location: str = "", *,
                  create: Literal[True] = True) -> int: ...
    @overload
    def _plate_id(self, conn: sa.Connection, name: str, fingerprint: str, location: str = "", *,
                  create: bool) -> int | None: ...

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
                    found = _inserted_id(conn.execute(sa.insert(t).values(
                        name=name, fingerprint=fingerprint, location=location, created_at=_now())))
            except sa.exc.IntegrityError:  # created meanwhile by another writer (PostgreSQL)
                found = conn.execute(query).scalar()
        return found

    @overload
    def _reviewer_id(self, conn: sa.Connection, name: str, *, create: Literal[True] = True) -> int: ...
    @overload
    def _reviewer_id(self, conn: sa.Connection, name: str, *, create: bool) -> int | None: ...

    def _reviewer_id(self, conn: sa.Connection, name: str, *, create: bool = True) -> int | None:
        if name in self._reviewer_ids:
            return self._reviewer_ids[name]
        t = S.reviewers
        found = conn.execute(sa.select(t.c.id).where(t.c.name == name)).scalar()
        if found is None and create:
            try:
                with conn.begin_nested():
                    found = _inserted_id(conn.execute(sa.insert(t).values(name=name, created_at=_now())))
            except sa.exc.IntegrityError:
                found = conn.execute(sa.select(t.c.id).where(t.c.name == name)).scalar()
        return found

    def _latest_id(self, table: sa.Table, plate: PlateRef | None) -> int:
        """The newest event id in ``table`` (of a plate, or of the store); 0 when there is none."""
        query = sa.select(sa.func.max(table.c.id))
        with self._read() as conn:
            if plate is not None:
                name, fingerprint, _ = self._identity(plate, allow_name=True)
                pid = self._plate_id(conn, name, fingerprint, create=False)
                if pid is None:
                    return 0
                query = query.where(table.c.plate_id == pid)
            return int(conn.execute(query).scalar() or 0)
