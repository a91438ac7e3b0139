"""What the parsers and the validators share: versions, unwrapping, kinds, path safety."""

from __future__ import annotations

import functools
import math
import re
import reprlib
from collections.abc import Callable
from typing import Any, ParamSpec, TypeGuard, TypeVar

from ..errors import MetadataError

__all__ = ["SUPPORTED_VERSIONS", "MetadataError"]  # MetadataError: importable from here, as before

SUPPORTED_VERSIONS = ("0.4", "0.5")

# Where a 0.4 document keeps its version, in the order unwrap() looks.
_V04_VERSION_KEYS = ("plate", "well", "multiscales", "image-label")
_DRIVE = re.compile(r"^[A-Za-z]:")
_ALNUM = re.compile(r"^[A-Za-z0-9]+$")

# Values from a file go into messages shortened: a hostile document may hold a 60 MB string or
# a list nested 200,000 deep (repr() of it raises RecursionError).
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 80
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 3, 8, 6

_P = ParamSpec("_P")
_R = TypeVar("_R")


def show(value: object) -> str:
    """A value from a file as it may appear in a message: repr(), shortened and depth-limited."""
    if isinstance(value, str) and len(value) <= _SHORT.maxstring or isinstance(value, (int, float)) and abs(value) < 1e30:
        return repr(value)  # the common case, without reprlib's cost (a warning per well on big plates)
    return _SHORT.repr(value)


def as_text(value: object) -> str:
    """A value used as a name: strings unchanged, anything else shown shortened."""
    return value if isinstance(value, str) else show(value)


def is_finite(value: object) -> TypeGuard[int | float]:
    """True for a JSON number that is neither NaN nor infinite (Python's json reads both)."""
    return is_number(value) and math.isfinite(value)


def robust(what: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Make a parser raise only MetadataError: anything else it trips over on hostile input
    (nesting deeper than the recursion limit, a type in an odd place) would stop a whole plate."""

    def wrap(parse: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(parse)
        def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return parse(*args, **kwargs)
            except MetadataError:
                raise
            except RecursionError as e:
                raise MetadataError(f"{what}: nested too deeply to be read") from e
            except Exception as e:  # hostile input; the message names the kind
                raise MetadataError(f"{what}: unusable metadata ({type(e).__name__}: {show(str(e))})") from e
        return run

    return wrap


def supported_text() -> str:
    """The supported versions as a phrase for messages."""
    return "supported: " + ", ".join(SUPPORTED_VERSIONS)


def is_int(value: object) -> TypeGuard[int]:
    """True for a JSON integer (bool is not one, although Python says so)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> TypeGuard[int | float]:
    """True for a JSON number (int or float, not bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_alnum(value: object) -> TypeGuard[str]:
    """True for a non-empty ASCII letters-and-digits string (the spec's name pattern)."""
    return isinstance(value, str) and bool(_ALNUM.match(value))


def is_wrapped(attrs: object) -> bool:
    """True when the attributes keep their metadata under ``"ome"`` (NGFF 0.5 style)."""
    return isinstance(attrs, dict) and isinstance(attrs.get("ome"), dict)


def _version_of(doc: dict[str, Any], key: str) -> Any:
    value = doc.get(key)
    if key == "multiscales":
        value = value[0] if isinstance(value, list) and value else None
    return value.get("version") if isinstance(value, dict) else None


def unwrap(attrs: dict) -> tuple[str | None, dict]:
    """Split group attributes into (declared version, metadata document).

    Parameters
    ----------
    attrs : dict
        The group's attributes: ``.zattrs`` (0.4) or ``zarr.json`` ``attributes`` (0.5).

    Returns
    -------
    tuple of (str or None, dict)
        For 0.5 ``(attrs["ome"].get("version"), attrs["ome"])``; otherwise the version found in
        ``plate``, ``well``, ``multiscales[0]`` or ``image-label`` (first present) and ``attrs``.
        The version is returned as written (not checked); None when absent.
    """
    if is_wrapped(attrs):
        return attrs["ome"].get("version"), attrs["ome"]
    if not isinstance(attrs, dict):
        return None, {}
    for key in _V04_VERSION_KEYS:
        version = _version_of(attrs, key)
        if version is not None:
            return version, attrs
    return None, attrs


def detect_kind(attrs: dict) -> str | None:
    """Name the kind of NGFF group the attributes describe.

    Parameters
    ----------
    attrs : dict
        Group attributes, wrapped in ``"ome"`` or not.

    Returns
    -------
    str or None
        ``"plate"``, ``"well"``, ``"image-label"`` (a label image: it has ``image-label``),
        ``"image"`` (``multiscales``), ``"labels"`` (a labels group) or None.
    """
    _, doc = unwrap(attrs)
    for key, kind in (("plate", "plate"), ("well", "well"), ("image-label", "image-label"),
                      ("multiscales", "image"), ("labels", "labels")):
        if key in doc:
            return kind
    return None


def path_problem(path: object) -> str | None:
    """Why ``path`` is not a safe relative zarr key, or None when it is."""
    if not isinstance(path, str):
        return f"{show(path)} is not a string"
    if not path:
        return "'' is empty"
    if "\x00" in path:
        return f"{show(path)} contains a NUL character"
    if "\\" in path:
        return f"{show(path)} contains a backslash"
    if path.startswith("/"):
        return f"{show(path)} is absolute"
    if _DRIVE.match(path):
        return f"{show(path)} starts with a drive letter"
    for segment in path.split("/"):
        if segment == "..":
            return f"{show(path)} leaves its parent group ('..')"
        if segment in ("", "."):
            return f"{show(path)} has an empty or '.' segment"
    return None


def check_relative_path(path: object, what: str) -> str:
    """Return ``path`` unchanged if it is a safe relative zarr key, else raise.

    Safe means: a non-empty str, no leading ``/``, no backslash, no ``..``, ``.`` or empty
    segment, no drive letter (``C:``) and no NUL character. Store keys are built from these
    paths, and some stores resolve ``..`` outside the root (DESIGN.md, Facts).

    Parameters
    ----------
    path : object
        The path as found in the metadata.
    what : str
        The field it came from, e.g. ``"plate.wells[3].path"``; it starts the error message.

    Returns
    -------
    str
        ``path`` itself.

    Raises
    ------
    MetadataError
        Naming ``what`` and the path.
    """
    problem = path_problem(path)
    if problem is not None:
        raise MetadataError(f"{what}: {problem}; expected a relative path inside the group")
    return path  # type: ignore[return-value]
