"""The 2-D channel stack that analysis works on: one time point, z projected or one plane.

A field may have any subset of the axes t, c, z, y, x in any order (``yx`` to ``tczyx``,
upper-case names or custom names with types: ``Field.roles`` knows which is which). This picks
one time point and z plane (or the maximum over z) by indexing the lazy array first, so only
the planes needed are read, and returns a ``(c, y, x)`` numpy array in the file's dtype.
Any other axis gives its first plane. No Qt, no napari.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from ..ngff import AxisRoles

__all__ = ["ZChoice", "channel_stack", "time_points"]

ZChoice = int | Literal["max"]


def _size(shape: tuple[int, ...], axis: int | None) -> int:
    return 1 if axis is None else int(shape[axis])


def _check(value: object, name: str, size: int) -> int:
    """A plane index within 0..size-1; a clear error otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer plane index, got {value!r}")
    index = int(value)
    if not 0 <= index < size:
        raise ValueError(f"{name} = {index} is out of range: the field has {size} {name} plane(s) (0..{size - 1})")
    return index


def time_points(shape: tuple[int, ...], roles: AxisRoles) -> range:
    """Every time point of an image of ``shape`` (``range(1)`` without a t axis).

    For "every time point": ``[channel_stack(a, roles, t=t) for t in time_points(a.shape, roles)]``.
    """
    return range(_size(tuple(shape), roles.t))


def _index(shape: tuple[int, ...], roles: AxisRoles, t: int, z: ZChoice) -> tuple[int | slice, ...]:
    """Index that keeps c, y, x (and z for a projection) and picks one t (and z)."""
    if roles.y is None or roles.x is None:
        raise ValueError(f"the image has no y and x axes (axes {roles.names})")
    t = _check(t, "t", _size(shape, roles.t))
    if isinstance(z, str):
        if z != "max":
            raise ValueError(f"z must be a plane index or 'max', got {z!r}")
    else:
        z = _check(z, "z", _size(shape, roles.z))
    keep = {roles.c, roles.y, roles.x} | ({roles.z} if z == "max" else set())
    index: list[int | slice] = []
    for axis in range(len(shape)):
        if axis in keep:
            index.append(slice(None))
        elif axis == roles.t:
            index.append(t)
        elif axis == roles.z:
            index.append(int(z))
        else:
            index.append(0)  # an extra axis: its first plane
    return tuple(index)


def channel_stack(array: Any, roles: AxisRoles, z: ZChoice = "max", t: int = 0) -> np.ndarray:
    """One time point of a field as a ``(c, y, x)`` numpy array, z projected or one plane.

    Parameters
    ----------
    array
        The field's full-resolution level (``field.levels[0]``): a lazy dask array or a numpy
        array with the axes ``roles`` describes.
    roles
        Which axis is t, c, z, y, x (``field.roles``).
    z
        ``"max"`` for the maximum-intensity projection over z, or a plane index. Without a z
        axis both mean the one plane.
    t
        Time point (0 without a t axis).

    Returns
    -------
    numpy.ndarray
        ``(c, y, x)`` in the array's dtype; one channel when the image has no c axis.

    Raises
    ------
    ValueError
        For a t or z index out of range, an unknown z choice, or an image without y and x.
    TypeError
        For a t or z that is not an integer.
    """
    shape = tuple(int(n) for n in array.shape)
    picked = array[_index(shape, roles, t, z)]
    kept = [a for a in range(len(shape)) if a in {roles.c, roles.y, roles.x} or (a == roles.z and z == "max")]
    order = [kept.index(a) for a in (roles.c, roles.z, roles.y, roles.x) if a in kept]
    picked = picked.transpose(order)  # (c?, z?, y, x)
    if z == "max" and roles.z is not None:
        picked = picked.max(axis=1 if roles.c is not None else 0)
    stack = np.asarray(picked.compute() if hasattr(picked, "compute") else picked)
    return stack if roles.c is not None else stack[np.newaxis]
