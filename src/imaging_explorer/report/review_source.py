"""Which annotation store the report reads, and which of its plates are the screen's.

A store is given (a SQLite file or a ``postgresql://`` URL) or the default one is used (as
``imaging-explorer annotations summary`` does: ``$IMAGING_EXPLORER_DB``, else annotations.db in
the user data folder) when it exists. Store plates are identified by (name, fingerprint): a
screen plate is matched by name, and by its fingerprint when several stored plates share the
name (the plate is then opened to compute it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .. import _dirs
from ..errors import AnnotationStoreError, PlateError

if TYPE_CHECKING:
    from ..annotations import AnnotationStore
    from ..screen import Screen, ScreenPlate

__all__ = ["match_plates", "open_review_store"]

_URL = re.compile(r"^postgres(ql)?(\+\w+)?://")


def open_review_store(annotations: str | os.PathLike[str] | AnnotationStore | None) -> tuple[AnnotationStore | None, bool]:
    """(the store opened read-only, whether it was asked for) — (None, False) when no store was
    given and the default one does not exist.

    Raises
    ------
    AnnotationStoreError
        A given store that cannot be opened (the message names it); the default store's
        problems are not raised (the report is then made without reviewers).
    """
    from ..annotations import AnnotationStore

    if isinstance(annotations, AnnotationStore):
        return annotations, True
    if annotations is not None:
        text = os.fspath(annotations)
        if not _URL.match(text) and not Path(text).expanduser().is_file():
            raise AnnotationStoreError(f"{text}: no annotation database here")
        return AnnotationStore(text, read_only=True), True
    default = _dirs.annotation_store_location()
    if not _URL.match(default) and not Path(default).expanduser().is_file():
        return None, False
    try:
        return AnnotationStore(default, read_only=True), False
    except (AnnotationStoreError, OSError, ValueError):
        return None, False  # the default store is optional: a report without reviewers


def _fingerprint(sp: ScreenPlate) -> str | None:
    try:
        return str(sp.open().fingerprint)
    except (PlateError, OSError, ValueError):
        return None


def match_plates(store: AnnotationStore, screen: Screen) -> dict[str, tuple[str, str] | str]:
    """Screen plate name -> the store's (name, fingerprint), or why it cannot be told apart;
    plates the store does not know are left out."""
    stored = store.plates()
    out: dict[str, tuple[str, str] | str] = {}
    for sp in screen.plates:
        rows = stored[stored["name"] == sp.name]
        if len(rows) == 1:
            out[sp.name] = (sp.name, str(rows["fingerprint"].iloc[0]))
        elif len(rows) > 1:
            fingerprint = _fingerprint(sp)
            mine = rows[rows["fingerprint"] == fingerprint] if fingerprint else rows.iloc[0:0]
            out[sp.name] = (sp.name, str(mine["fingerprint"].iloc[0])) if len(mine) else (
                f"{len(rows)} plates in the store are named {sp.name!r} and none has this plate's fingerprint")
    return out
