"""Annotation files: write tables (CSV / TSV / Parquet, atomically) and read event exports back."""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid as _uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..platemap.cells import is_blank
from .schema import CALLS, KINDS, TAGS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["read_events", "read_table", "write_table"]

_TEXT_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_PARQUET_SUFFIXES = (".parquet", ".pq")
REQUIRED = ("uuid", "plate", "fingerprint", "well", "reviewer", "kind", "time")
_MAX_LISTED = 30


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _TEXT_SUFFIXES and suffix not in _PARQUET_SUFFIXES:
        raise ValueError(f"{path}: unknown file type {suffix or '(none)'!r}; use .csv, .tsv or .parquet")
    return suffix


def _need_pyarrow(path: Path) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ValueError(f"{path}: Parquet files need pyarrow (pip install pyarrow); or use a .csv file") from None


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` by suffix; the file appears complete or not at all (temp file + rename)."""
    suffix = _suffix(path)
    path = path.expanduser()
    if not path.parent.is_dir():
        raise ValueError(f"{path}: the folder {path.parent} does not exist")
    if suffix in _PARQUET_SUFFIXES:
        _need_pyarrow(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        if suffix in _PARQUET_SUFFIXES:
            df.to_parquet(tmp, index=False)
        else:
            out = df.copy()
            for col in out.columns:
                if str(out[col].dtype).startswith("datetime64"):
                    out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            out.to_csv(tmp, index=False, sep=_TEXT_SUFFIXES[suffix], lineterminator="\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_table(path: Path) -> pd.DataFrame:
    """A CSV / TSV (every cell as text, blanks as "") or Parquet file as a DataFrame."""
    import pandas as pd

    suffix = _suffix(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    if suffix in _PARQUET_SUFFIXES:
        _need_pyarrow(path)
        try:
            return pd.read_parquet(path)
        except Exception as e:  # noqa: BLE001 - any reader failure means a bad file
            raise ValueError(f"{path}: not a readable Parquet file ({e})") from e
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, sep=_TEXT_SUFFIXES[suffix], encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise ValueError(f"{path}: not a readable table ({e})") from e


def _text(v: object) -> str:
    if type(v) is str:
        return v.strip()
    return "" if is_blank(v) else str(v).strip()


def _time(v: object) -> datetime:
    if hasattr(v, "to_pydatetime"):
        v = v.to_pydatetime()
    if not isinstance(v, datetime):
        v = datetime.fromisoformat(str(v).strip())
    return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)


def _tags(v: object) -> list[str]:
    if is_blank(v):
        return []
    if type(v) is str and v in _TAG_CACHE:
        return _TAG_CACHE[v]
    out = _parse_tags(v)
    if type(v) is str and len(_TAG_CACHE) < 4096:
        _TAG_CACHE[v] = out
    return out


_TAG_CACHE: dict[str, list[str]] = {}


def _parse_tags(v: Any) -> list[str]:
    if isinstance(v, list | tuple) or (hasattr(v, "tolist") and not isinstance(v, str)):
        items = list(v.tolist() if hasattr(v, "tolist") else v)
    else:
        text = str(v).strip()
        items = json.loads(text) if text.startswith("[") else re.split(r"[;,]", text)
    out = set()
    for t in items:
        norm = re.sub(r"[\s\-]+", "_", str(t).strip().lower())
        if not norm:
            continue
        if norm not in TAGS:
            raise ValueError(f"tag {t!r} is not one of {', '.join(TAGS)}")
        out.add(norm)
    return [t for t in TAGS if t in out]


def read_events(path: Path) -> list[dict[str, Any]]:
    """The events of an ``export(..., what="events")`` file, checked; ValueError lists every bad row."""
    df = read_table(path)
    columns = {str(c).strip().lower(): c for c in df.columns}
    absent = [c for c in REQUIRED if c not in columns]
    if absent:
        hint = (" (is it a 'current' or 'consensus' export? only event exports can be imported)"
                if "uuid" in absent or "kind" in absent else "")
        raise ValueError(f"{path}: not an annotation event export: missing column(s) {', '.join(absent)}{hint}")

    def col(name: str) -> list[Any]:
        return df[columns[name]].tolist() if name in columns else [None] * len(df)

    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Any]] = {}
    data = zip(*(col(c) for c in (*REQUIRED, "call", "confidence", "tags", "note", "undo_of")))
    for i, (uid, plate, fp, well, reviewer, kind, time, call, conf, tags, note, undo_of) in enumerate(data, start=1):
        at = f"row {i}"
        bad: list[str] = []
        try:
            uid = str(_uuid.UUID(_text(uid)))
        except ValueError:
            bad.append(f"uuid {_text(uid)!r} is not a UUID")
        for label, value in (("plate", plate), ("fingerprint", fp), ("well", well), ("reviewer", reviewer)):
            if not _text(value):
                bad.append(f"{label} is empty")
        kind, call = _text(kind).lower(), _text(call).lower()
        if kind not in KINDS:
            bad.append(f"kind {kind!r} is not one of {', '.join(KINDS)}")
        elif kind == "call" and call not in CALLS:
            bad.append(f"call {call!r} is not one of {', '.join(CALLS)}")
        elif kind == "undo" and call:
            bad.append(f"an undo event has a call ({call!r})")
        confidence = None
        if not is_blank(conf):
            try:
                f = float(conf)
                if not f.is_integer() or not 1 <= f <= 5:
                    raise ValueError
                confidence = int(f)
            except (TypeError, ValueError):
                bad.append(f"confidence {_text(conf)!r} is not one of 1, 2, 3, 4, 5")
        try:
            tag_list = _tags(tags)
        except (ValueError, json.JSONDecodeError) as e:
            bad.append(str(e))
            tag_list = []
        try:
            when = _time(time)
        except (TypeError, ValueError):
            bad.append(f"time {_text(time)!r} is not an ISO 8601 time")
            when = None
        target = _text(undo_of)
        if kind == "undo":
            try:
                target = str(_uuid.UUID(target))
            except ValueError:
                bad.append(f"undo_of {target!r} is not the UUID of a call")
        elif target and kind == "call":
            bad.append("a call event has undo_of set")
        if bad:
            problems.extend(f"{at}: {b}" for b in bad)
            continue
        row = {"row": i, "uuid": uid, "plate": _text(plate), "fingerprint": _text(fp), "well": _text(well),
               "reviewer": _text(reviewer), "kind": kind, "call": call or None, "confidence": confidence,
               "tags": json.dumps(tag_list), "note": "" if is_blank(note) else str(note), "created_at": when,
               "undo_of": target or None}
        if uid in seen:
            first = seen[uid]
            if any(first[k] != row[k] for k in row if k != "row"):
                problems.append(f"{at}: uuid {uid} also on row {first['row']} with different content")
            continue
        seen[uid] = row
        rows.append(row)
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:_MAX_LISTED])
        more = f"\n  … and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
        raise ValueError(f"{path}: {len(problems)} problem(s); nothing was imported:\n{shown}{more}")
    return rows
