"""A shareable view address: one line naming a plate, a well and a field. No Qt, no napari.

``/data/plate.zarr#C07/2`` is field 2 of well C07 of that plate; ``/data/plate.zarr#C07`` the
well's first field; ``/data/plate.zarr`` alone the plate overview. Field numbers are 1-based, as
people see them. The location may be a local path or a URL (``http(s)://``, ``s3://``,
``file://``); a URL may itself contain ``#``, so only the *last* ``#`` counts, and only when
what follows it reads as a well (optionally ``/field``). Anything else after the last ``#``
stays part of the location, unless it plainly tries to be a well ("C07x", "C07/0"): that is
an error, so that a typo is not silently opened as another folder.

A formatted address names the well the canonical way (``C07``, ``AA01``: row letters in upper
case and a two-digit column) and a local path absolutely, so that a partner on the same shared
drive can paste it; URLs are kept exactly as given.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..io.location import is_url
from .names import (  # the well syntax parse_well_name accepts
    _LETTERS_DIGITS,
    _SEPARATORS,
)

__all__ = ["ViewAddress", "parse_view_address", "same_location"]

# What follows the last "#" when it is meant as a view: letters, a separator or not, a digit
# ("C07x", "C/7/0", "AA1/"). Used only to tell a broken address from a "#" of the location.
_LOOKS_LIKE_WELL = re.compile(r"^[A-Za-z]{1,3}[\s/\-_:.]*\d")
_MAX_ROW_LETTERS = 3


def _canonical_well(text: str) -> str:
    """``"c/7"``, ``"C-07"``, ``"C7"`` -> ``"C07"``; ValueError when ``text`` is no row letters
    plus column number."""
    parts = [p for p in _SEPARATORS.split(text.strip()) if p]
    if len(parts) == 1:
        m = _LETTERS_DIGITS.match(parts[0])
        parts = [m.group(1), m.group(2)] if m else parts
    # rows are one to three letters (A..P, A..AF on 1536-well plates): "section-1" is no well
    if (len(parts) != 2 or not parts[0].isalpha() or not parts[0].isascii() or len(parts[0]) > _MAX_ROW_LETTERS
            or not parts[1].isdigit() or not parts[1].isascii()):
        raise ValueError(f"cannot read a well name from {text!r}; write e.g. C07, C7 or C/7")
    return f"{parts[0].upper()}{int(parts[1]):02d}"


def _absolute(location: str) -> str:
    """A local path made absolute (``~`` expanded, symlinks kept); a URL unchanged."""
    if is_url(location):
        return location
    return os.path.abspath(os.path.expanduser(location))


@dataclass(frozen=True)
class ViewAddress:
    """Where to look: a plate location and, optionally, a well and a field in it.

    Parameters
    ----------
    location
        A local path (made absolute here) or a URL (kept as given).
    well
        A well name ("C07", "c7", "C/7"), stored canonically as ``"C07"``; None for the
        plate overview.
    field
        The field number, 1-based as people count; None for the well's first field.

    Raises
    ------
    ValueError
        For an empty location, a well that is no row letters plus column number, a field below
        1 or without a well, or a location without a well that would read back as having one.
    """

    location: str
    well: str | None = None
    field: int | None = None

    def __post_init__(self) -> None:
        location = str(self.location).strip()
        if not location:
            raise ValueError("a view address needs a plate location before the '#'")
        object.__setattr__(self, "location", _absolute(location))
        if self.well is not None:
            object.__setattr__(self, "well", _canonical_well(self.well))
        if self.field is not None:
            if self.well is None:
                raise ValueError(f"{self.location}: a field ({self.field}) needs a well, e.g. #C07/{self.field}")
            if isinstance(self.field, bool) or not isinstance(self.field, int) or self.field < 1:
                raise ValueError(f"{self.location}#{self.well}: field {self.field!r} is not a field number "
                                 "(fields are numbered from 1)")
        if self.well is None and _view_part(self.location) is not None:
            raise ValueError(f"{self.location!r} ends in what reads as a well; add the well explicitly, "
                             "e.g. #A01, to write it as an address")

    @property
    def field_index(self) -> int:
        """The 0-based index of the field (the first one when no field is given)."""
        return (self.field or 1) - 1

    def format(self) -> str:
        """The address as text: ``location``, ``location#C07`` or ``location#C07/2``."""
        if self.well is None:
            return self.location
        return f"{self.location}#{self.well}" + (f"/{self.field}" if self.field is not None else "")

    def __str__(self) -> str:
        return self.format()


def _view_part(text: str) -> tuple[str, str, int | None] | None:
    """(location, well, field) when the text after the last "#" reads as well[/field], else None."""
    location, sep, suffix = text.rpartition("#")
    if not sep:
        return None
    try:
        well, field = _read_suffix(suffix)
    except ValueError:
        return None
    return location, well, field


def _read_suffix(suffix: str) -> tuple[str, int | None]:
    """The canonical well and the field number of ``C07`` / ``C07/2`` / ``C/7/2``; ValueError why not."""
    suffix = suffix.strip()
    try:
        return _canonical_well(suffix), None  # "C/7": the "/" is the well's own separator
    except ValueError as as_well:
        well_text, slash, field_text = suffix.rpartition("/")
        if not slash:
            raise as_well from None
    well = _canonical_well(well_text)
    field_text = field_text.strip()
    if not field_text.isdigit():
        raise ValueError(f"field {field_text!r} after {well_text.strip()}/ is not a field number; write e.g. {well}/2")
    if int(field_text) < 1:
        raise ValueError(f"field {field_text} does not exist: fields are numbered from 1 (e.g. {well}/1)")
    return well, int(field_text)


def parse_view_address(text: str) -> ViewAddress:
    """Read a view address such as ``/data/plate.zarr#C07/2``.

    Parameters
    ----------
    text
        ``LOCATION``, ``LOCATION#WELL`` or ``LOCATION#WELL/FIELD``. WELL is written as people type
        it ("C07", "c7", "C/7", "C-07"), FIELD is 1-based. Only the last ``#`` separates, and only
        when what follows reads as a well, so URLs with a ``#`` of their own work.

    Returns
    -------
    ViewAddress
        With the location made absolute when it is a local path, and the well canonical.

    Raises
    ------
    ValueError
        Naming the text and the problem: empty text, nothing after the ``#``, a field of 0 or
        not a number, a well that cannot be read ("C07x").
    """
    cleaned = str(text).strip()
    if not cleaned:
        raise ValueError("no view address given; write e.g. /data/plate.zarr#C07/2")
    location, sep, suffix = cleaned.rpartition("#")
    if not sep:
        return ViewAddress(cleaned)
    if not suffix.strip():
        raise ValueError(f"{text!r}: nothing after '#'; write a well and field, e.g. {location}#C07/2")
    try:
        well, field = _read_suffix(suffix)
    except ValueError as e:
        if _LOOKS_LIKE_WELL.match(suffix.strip()):  # meant as a view, but broken
            raise ValueError(f"{text!r}: {e}") from None
        return ViewAddress(cleaned)  # a "#" of the location itself (a URL fragment, a folder name)
    try:
        return ViewAddress(location, well, field)
    except ValueError as e:
        raise ValueError(f"{text!r}: {e}") from None


def same_location(a: str, b: str) -> bool:
    """True when two locations name the same plate: local paths (or ``file://`` URLs) after
    resolving them, URLs up to a trailing ``/``."""
    def key(location: str) -> str:
        location = location.strip()
        if location.startswith("file://"):
            from urllib.parse import unquote, urlparse

            location = unquote(urlparse(location).path)
        elif is_url(location):
            return location.rstrip("/")
        return os.path.realpath(os.path.expanduser(location))

    return key(a) == key(b)
