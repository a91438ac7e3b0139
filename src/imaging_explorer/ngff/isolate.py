"""Batched metadata reads where one bad document costs only its own key.

The readers (``ZarrDocs.group_attrs_many`` / ``arrays_many``) hand back a ``PlateError`` as
the value of a key they cannot read. This wraps them so that the same holds when something
slips through as an exception: a key that could leave the plate (``%``, ``..``), an error of
another type from one document (``OverflowError``, ``RecursionError``, ``PermissionError``).
A ``PlateError`` that names no key of the batch means the whole location is unreachable and
is raised on: reading key by key would only repeat the wait.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..errors import PlateError
from .common import show

_V = TypeVar("_V")
_MAX_RETRIES = 16  # PlateErrors naming one key, each answered by reading the rest again


def error_reason(e: BaseException) -> str:
    """A plain-words reason for an exception met while reading one document."""
    if isinstance(e, PlateError):
        return e.reason
    if isinstance(e, RecursionError):
        return "nested too deeply to be read"
    if isinstance(e, PermissionError):
        return "permission denied"
    if isinstance(e, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(e, OSError) and e.strerror:
        return e.strerror.lower()
    return f"cannot be read ({type(e).__name__}: {show(str(e))})"


def why(error: PlateError, loc: object) -> str:
    """A PlateError as a reason inside its plate: the document (relative to the plate), then why."""
    document = error.location.removeprefix(f"{loc}/")
    return error.reason if document == error.location else f"{document}: {error.reason}"


def read_isolated(
    read: Callable[[list[str]], dict[str, _V]], paths: Sequence[str], where: object
) -> dict[str, _V | PlateError]:
    """``read(paths)``, with a failure costing only the paths it concerns (as PlateError values)."""
    out: dict[str, _V | PlateError] = {}
    todo = list(paths)  # the readers check each key (an unsafe one is a PlateError value, or raises)
    for _ in range(_MAX_RETRIES):
        try:
            out.update(read(todo))
            return out
        except PlateError as e:
            culprit = _named_path(e, todo, where)
            if culprit is None:
                raise
            out[culprit] = e
            todo.remove(culprit)
        except Exception:  # noqa: BLE001 - one document tripped the reader: read one by one
            return {**out, **_one_by_one(read, todo, where)}
    return {**out, **_one_by_one(read, todo, where)}


def _named_path(e: PlateError, paths: list[str], where: object) -> str | None:
    """The path of the batch an error names (the longest one its location lies under)."""
    named = [p for p in paths if e.location == f"{where}/{p}" or e.location.startswith(f"{where}/{p}/")]
    return max(named, key=len) if named else None


def _one_by_one(read: Callable[[list[str]], dict[str, _V]], paths: list[str], where: object) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in paths:
        try:
            out.update(read([path]))
        except Exception as e:  # noqa: BLE001 - any failure is one problem
            out[path] = e if isinstance(e, PlateError) else PlateError(f"{where}/{path}", error_reason(e))
    return out
