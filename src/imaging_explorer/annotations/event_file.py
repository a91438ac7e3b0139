"""Read an events export back: every row checked as strictly as ``annotate`` checks a call.

The file is checked whole before anything is written: a problem on any row refuses the file,
and the error names the file, each bad row and what is wrong with it. What needs the store
(undo events that point at calls already stored) is checked by the store's import.

A row is a call on a well, or (schema version 2) on a compound: then its ``compound`` cell holds
the compound id and its ``well`` cell is blank. Files without a ``compound`` column (older
exports) hold well events only.
"""

from __future__ import annotations

import json
import re
import uuid as _uuid
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..platemap.cells import is_blank
from .exchange import read_table
from .schema import KINDS
from .values import (
    MAX_NAME,
    check_call,
    check_compound,
    check_reviewer,
    check_tags,
    check_time,
    check_well_key,
)

__all__ = ["REQUIRED", "read_events"]

REQUIRED = ("uuid", "plate", "fingerprint", "well", "reviewer", "kind", "time")
_COLUMNS = (*REQUIRED, "call", "confidence", "tags", "note", "undo_of", "compound")
_MAX_LISTED = 30


def _text(v: object) -> str:
    if type(v) is str:
        return v.strip()
    return "" if is_blank(v) else str(v).strip()


def _shown(v: object) -> str:
    """A cell for an error message: quoted, and cut short when long."""
    text = _text(v)
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _time(v: object, now: datetime) -> datetime:
    if is_blank(v):
        raise ValueError("time is empty")
    if hasattr(v, "to_pydatetime"):
        v = v.to_pydatetime()
    if not isinstance(v, datetime):
        try:
            v = datetime.fromisoformat(str(v).strip())
        except (TypeError, ValueError):
            raise ValueError(f"time {_shown(v)} is not an ISO 8601 time") from None
    return check_time(v, now)


def _tags(v: object) -> list[str]:
    if is_blank(v):
        return []
    if isinstance(v, list | tuple):
        return check_tags(t for t in v if str(t).strip())
    if hasattr(v, "tolist") and not isinstance(v, str):  # Parquet: a list column gives numpy arrays
        items = v.tolist()
        return _tags(items if isinstance(items, list) else [items])
    try:
        return list(_text_tags(str(v).strip()))
    except RecursionError:  # "[[[[…" nested 100,000 deep
        raise ValueError(f"tags {_shown(v)} are nested too deeply") from None


@lru_cache(maxsize=4096)  # a file repeats a few tag lists thousands of times
def _text_tags(text: str) -> tuple[str, ...]:
    items = json.loads(text) if text.startswith("[") else re.split(r"[;,]", text)
    return tuple(check_tags(t for t in items if str(t).strip()))


def _confidence(v: object) -> int | None:
    if is_blank(v):
        return None
    try:
        f = float(v)  # type: ignore[arg-type]  # a text cell "4" or a number
    except (TypeError, ValueError):
        f = 0.0
    if not f.is_integer() or not 1 <= f <= 5:
        raise ValueError(f"confidence {_shown(v)} is not one of 1, 2, 3, 4, 5")
    return int(f)


def _uuid_of(v: object, what: str) -> str:
    try:
        return str(_uuid.UUID(_text(v)))
    except ValueError:
        raise ValueError(f"{what} {_shown(v)} is not a UUID") from None


# a file repeats a few wells and reviewers thousands of times: check each spelling once
_well = lru_cache(maxsize=4096)(check_well_key)
_reviewer = lru_cache(maxsize=1024)(check_reviewer)


def _subject(cells: dict[str, Any], check: Any) -> tuple[str | None, str | None]:
    """(well, compound) of a row: a compound event names its compound and leaves the well blank."""
    compound = _text(cells["compound"])
    if not compound:
        return check(_well, _text(cells["well"])), None
    if _text(cells["well"]):
        check(_raise, f"a row names both a well {_shown(cells['well'])} and a compound {_shown(compound)} "
                      "(an event is about one of them)")
    return None, check(check_compound, compound)


def _raise(message: str) -> None:
    raise ValueError(message)


def _checked(cells: dict[str, Any], problems: list[str], now: datetime) -> dict[str, Any]:
    """The row's values, normalised; each problem found is added to ``problems``."""
    def check(f: Any, *args: Any) -> Any:
        try:
            return f(*args)
        except (ValueError, TypeError) as e:  # json.JSONDecodeError is a ValueError
            problems.append(str(e))
            return None

    kind = _text(cells["kind"]).lower()
    call = _text(cells["call"])
    if kind not in KINDS:
        problems.append(f"kind {_shown(kind)} is not one of {', '.join(KINDS)}")
    elif kind == "call":
        call = check(check_call, call)
    elif call:
        problems.append(f"an undo event has a call ({_shown(call)})")
    target = _text(cells["undo_of"])
    if kind == "undo":
        target = check(_uuid_of, target, "undo_of")
    elif target and kind == "call":
        problems.append("a call event has undo_of set")
    well, compound = _subject(cells, check)
    for label in ("plate", "fingerprint"):
        if not _text(cells[label]):
            problems.append(f"{label} is empty")
        elif len(_text(cells[label])) > 4 * MAX_NAME:
            problems.append(f"{label} is longer than {4 * MAX_NAME} characters")
    return {
        "uuid": check(_uuid_of, cells["uuid"], "uuid"), "plate": _text(cells["plate"]),
        "fingerprint": _text(cells["fingerprint"]), "well": well, "compound": compound,
        "reviewer": check(_reviewer, _text(cells["reviewer"])), "kind": kind, "call": call or None,
        "confidence": check(_confidence, cells["confidence"]), "tags": json.dumps(check(_tags, cells["tags"])),
        "note": "" if is_blank(cells["note"]) else str(cells["note"]), "created_at": check(_time, cells["time"], now),
        "undo_of": target or None,
    }


def read_events(path: Path) -> list[dict[str, Any]]:
    """The events of an ``export(..., what="events")`` file, checked; ValueError lists every bad row.

    Each row: uuid, plate, fingerprint, well (None for a compound event), compound (None for a
    well event), reviewer, kind, call, confidence, tags (JSON), note, created_at (aware UTC),
    undo_of, and ``row`` (its number in the file, from 1).
    """
    df = read_table(path)
    columns = {str(c).strip().lower(): c for c in df.columns}
    absent = [c for c in REQUIRED if c not in columns]
    if absent:
        hint = (" (is it a 'current' or 'consensus' export? only event exports can be imported)"
                if "uuid" in absent or "kind" in absent else "")
        raise ValueError(f"{path}: not an annotation event export: missing column(s) {', '.join(absent)}{hint}")
    data = zip(*(df[columns[c]].tolist() if c in columns else [None] * len(df) for c in _COLUMNS))
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Any]] = {}
    now = datetime.now(UTC)
    for i, values in enumerate(data, start=1):
        bad: list[str] = []
        row = {"row": i, **_checked(dict(zip(_COLUMNS, values)), bad, now)}
        if bad:
            problems.extend(f"row {i}: {b}" for b in bad)
            continue
        first = seen.get(row["uuid"])
        if first is not None:
            if any(first[k] != row[k] for k in row if k != "row"):
                problems.append(f"row {i}: uuid {row['uuid']} also on row {first['row']} with different content")
            continue
        seen[row["uuid"]] = row
        rows.append(row)
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:_MAX_LISTED])
        more = f"\n  … and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
        raise ValueError(f"{path}: {len(problems)} problem(s); nothing was imported:\n{shown}{more}")
    return rows
