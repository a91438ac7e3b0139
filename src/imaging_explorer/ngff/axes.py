"""Which axis of an image is t, c, z, y and x: by ``type`` first, then by name in any case.

Writers name axes differently (iohub writes ``T, C, Z, Y, X``; others use custom names with
types), so code that needs "the channel axis" asks :func:`axis_roles` instead of comparing
names. The strict validators check axis types and order separately; this is the lenient reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

ROLES = ("t", "c", "z", "y", "x")
_KINDS = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}


class AxisLike(Protocol):
    """Anything with an axis name and an optional type (``ngff.Axis`` or a stand-in)."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str | None: ...


@dataclass(frozen=True)
class AxisRoles:
    """The index of each role's axis (None when absent) and canonical names per axis.

    ``names`` gives each axis its role (``"t"``, ``"c"``, ``"z"``, ``"y"``, ``"x"``) and every
    other axis its declared name (``"axis{i}"`` if that would clash with a role), so code that
    indexes by name can use ``names.index("c")`` whatever the file calls its axes.
    """

    t: int | None
    c: int | None
    z: int | None
    y: int | None
    x: int | None
    names: tuple[str, ...]

    def index(self, role: str) -> int | None:
        """Index of the axis with ``role`` (one of ``ROLES``), None when the image has none."""
        if role not in ROLES:
            raise ValueError(f"unknown axis role {role!r}; expected one of {ROLES}")
        value: int | None = getattr(self, role)
        return value


def _kind(axis: AxisLike) -> str | None:
    """The axis type if it is one of the spec's, else guessed from a single-letter name."""
    kind = (getattr(axis, "type", None) or "").lower()
    if kind in ("time", "channel", "space"):
        return kind
    return _KINDS.get(str(axis.name).lower()) if not kind else None


def axis_roles(axes: Sequence[AxisLike]) -> AxisRoles:
    """Find the t, c, z, y and x axes of an image.

    Parameters
    ----------
    axes
        The multiscale's axes in order (objects with ``name`` and ``type``).

    Returns
    -------
    AxisRoles
        channel = the first axis of type ``"channel"`` (an untyped axis named ``c`` or ``C``
        counts); time likewise; y and x = the space axes named y and x, else the last two
        space axes (else the last two axes that are neither t nor c); z = the space axis named
        z, else the last other space axis.
    """
    return _roles(tuple((str(a.name), _kind(a)) for a in axes))


@lru_cache(maxsize=256)
def _roles(axes: tuple[tuple[str, str | None], ...]) -> AxisRoles:
    lower = [name.lower() for name, _ in axes]
    kinds = [kind for _, kind in axes]

    def first(kind: str) -> int | None:
        return next((i for i, k in enumerate(kinds) if k == kind), None)

    t, c = first("time"), first("channel")
    space = [i for i, k in enumerate(kinds) if k == "space"]
    named = {n: i for i, n in reversed(list(enumerate(lower))) if i in space}
    y: int | None
    x: int | None
    if "y" in named and "x" in named:
        y, x = named["y"], named["x"]
    else:
        # too few space axes (a non-conforming image): the trailing axes hold the plane
        plane = space if len(space) >= 2 else [i for i in range(len(axes)) if i not in (t, c)]
        y, x = (plane[-2] if len(plane) >= 2 else None), (plane[-1] if plane else None)
    rest = [i for i in space if i not in (y, x)]
    z = named["z"] if named.get("z") in rest else (rest[-1] if rest else None)
    role_of = {i: r for r, i in zip(ROLES, (t, c, z, y, x)) if i is not None}
    names = tuple(
        role_of.get(i) or (name if name.lower() not in ROLES else f"axis{i}")
        for i, (name, _) in enumerate(axes)
    )
    return AxisRoles(t, c, z, y, x, names)


def canonical_names(axes: Sequence[AxisLike]) -> list[str]:
    """Lower-case role names per axis, e.g. ``["t", "c", "z", "y", "x"]`` for ``T, C, Z, Y, X``."""
    return list(axis_roles(axes).names)
