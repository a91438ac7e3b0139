"""Axis roles by type first, then by name in any case (iohub writes T, C, Z, Y, X)."""

from __future__ import annotations

import pytest

from imaging_explorer.ngff import Axis, axis_roles, canonical_names, parse_multiscales

TYPES = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}


def typed(names: str, upper: bool = False) -> list[Axis]:
    return [Axis(n.upper() if upper else n, TYPES[n]) for n in names]


def test_upper_case_iohub() -> None:
    roles = axis_roles(typed("tczyx", upper=True))
    assert (roles.t, roles.c, roles.z, roles.y, roles.x) == (0, 1, 2, 3, 4)
    assert canonical_names(typed("tczyx", upper=True)) == ["t", "c", "z", "y", "x"]


def test_types_missing_names_in_any_case() -> None:
    roles = axis_roles([Axis("C"), Axis("Z"), Axis("Y"), Axis("X")])
    assert (roles.t, roles.c, roles.z, roles.y, roles.x) == (None, 0, 1, 2, 3)
    assert roles.names == ("c", "z", "y", "x")


def test_custom_names_with_types() -> None:
    axes = [Axis("time", "time"), Axis("wavelength", "channel"), Axis("depth", "space"),
            Axis("row", "space"), Axis("col", "space")]
    roles = axis_roles(axes)
    assert (roles.t, roles.c, roles.z, roles.y, roles.x) == (0, 1, 2, 3, 4)
    assert canonical_names(axes) == ["t", "c", "z", "y", "x"]


def test_types_beat_names() -> None:
    # a custom-typed axis called "c" is not the channel axis; a "channel" axis called "ch" is
    axes = [Axis("c", "angle"), Axis("ch", "channel"), Axis("Y", "space"), Axis("X", "space")]
    roles = axis_roles(axes)
    assert (roles.c, roles.y, roles.x, roles.z, roles.t) == (1, 2, 3, None, None)
    assert roles.names == ("axis0", "c", "y", "x")


def test_tczyx_and_yx_only() -> None:
    roles = axis_roles(typed("tczyx"))
    assert roles.names == ("t", "c", "z", "y", "x") and roles.index("z") == 2
    yx = axis_roles(typed("yx"))
    assert (yx.t, yx.c, yx.z, yx.y, yx.x) == (None, None, None, 0, 1)
    assert yx.index("c") is None
    with pytest.raises(ValueError, match="unknown axis role"):
        yx.index("q")


def test_space_axes_named_out_of_order_and_too_few() -> None:
    # names y / x pick the plane even when listed x before y; z is the space axis left
    roles = axis_roles([Axis("Z", "space"), Axis("X", "space"), Axis("Y", "space")])
    assert (roles.z, roles.y, roles.x) == (0, 2, 1)
    # untyped unknown names: the plane is the last two axes that are not t or c
    roles = axis_roles([Axis("C"), Axis("a"), Axis("b")])
    assert (roles.c, roles.y, roles.x) == (0, 1, 2)


def test_parsed_bare_upper_case_names() -> None:
    # NGFF 0.3 style bare names: no type, upper case
    ms, _ = parse_multiscales({"multiscales": [{"version": "0.4", "axes": ["T", "C", "Y", "X"],
                                                "datasets": [{"path": "0"}]}]})
    assert canonical_names(ms.axes) == ["t", "c", "y", "x"]
