"""The (c, y, x) stack of one time point: any axes order, z projected or one plane, only needed planes read."""

from __future__ import annotations

from typing import NamedTuple

import dask.array as da
import numpy as np
import pytest
import real_layouts

import imaging_explorer as ie
from imaging_explorer.analysis.projection import channel_stack, time_points
from imaging_explorer.ngff import AxisRoles, axis_roles

pytestmark = pytest.mark.filterwarnings("ignore::imaging_explorer.errors.PlateWarning")

KINDS = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}
SIZES = {"t": 2, "c": 3, "z": 4, "y": 5, "x": 6}


class Axis(NamedTuple):
    name: str
    type: str | None


def roles(axes: str, typed: bool = True) -> AxisRoles:
    return axis_roles([Axis(a, KINDS[a.lower()] if typed else None) for a in axes])


def coded(axes: str) -> np.ndarray:
    """An array whose every value tells its t, c, z (1000 t + 100 c + 10 z + y), axes in ``axes`` order."""
    shape = tuple(SIZES[a] for a in axes)
    grids = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
    weight = {"t": 1000, "c": 100, "z": 10, "y": 1, "x": 0}
    return sum(weight[a] * g for a, g in zip(axes, grids)).astype(np.uint16)


def expected(t: int, z: int | None, channels: int = 3) -> np.ndarray:
    """The (c, y, x) planes of ``coded`` at t and z (z None: no z axis)."""
    c = np.arange(channels)[:, None, None]
    y = np.arange(SIZES["y"])[None, :, None]
    return np.broadcast_to(1000 * t + 100 * c + 10 * (z or 0) + y, (channels, SIZES["y"], SIZES["x"]))


def test_tczyx_max_projection_and_a_plane() -> None:
    a = coded("tczyx")
    r = roles("tczyx")
    np.testing.assert_array_equal(channel_stack(a, r), expected(0, 3))  # the brightest plane is z = 3
    np.testing.assert_array_equal(channel_stack(a, r, z=1, t=1), expected(1, 1))


@pytest.mark.parametrize("axes", ["zcyx", "ctzyx", "yxc", "czyx"])
def test_any_axes_order(axes: str) -> None:
    a = coded(axes)
    np.testing.assert_array_equal(channel_stack(a, roles(axes), z=2 if "z" in axes else 0),
                                  expected(0, 2 if "z" in axes else None))


def test_no_channel_axis_gives_one_channel() -> None:
    assert channel_stack(coded("zyx"), roles("zyx")).shape == (1, 5, 6)
    np.testing.assert_array_equal(channel_stack(coded("zyx"), roles("zyx")), expected(0, 3, channels=1))
    np.testing.assert_array_equal(channel_stack(coded("yx"), roles("yx")), expected(0, None, channels=1))
    np.testing.assert_array_equal(channel_stack(coded("cyx"), roles("cyx")), expected(0, None))


def test_upper_case_untyped_axes() -> None:
    a = coded("tczyx")
    np.testing.assert_array_equal(channel_stack(a, roles("TCZYX", typed=False), z=0, t=1), expected(1, 0))


def test_dtype_is_kept() -> None:
    assert channel_stack(coded("czyx"), roles("czyx")).dtype == np.uint16


class Recorder:
    """An array that remembers which (t, z) planes were read from it."""

    def __init__(self, data: np.ndarray) -> None:
        self.data, self.shape, self.dtype, self.ndim = data, data.shape, data.dtype, data.ndim
        self.planes: set[tuple[int, int]] = set()

    def __getitem__(self, key: tuple[slice | int, ...]) -> np.ndarray:
        def span(k: slice | int, n: int) -> range:  # dask may fuse an integer index into the read
            return range(*k.indices(n)) if isinstance(k, slice) else range(k, k + 1)

        self.planes |= {(t, z) for t in span(key[0], self.shape[0]) for z in span(key[2], self.shape[2])}
        return self.data[key]


def test_only_the_planes_needed_are_read() -> None:
    source = Recorder(coded("tczyx"))
    lazy = da.from_array(source, chunks=(1, 1, 1, 5, 6), asarray=True)
    np.testing.assert_array_equal(channel_stack(lazy, roles("tczyx"), z=2, t=1), expected(1, 2))
    assert source.planes == {(1, 2)}
    source.planes.clear()
    channel_stack(lazy, roles("tczyx"), t=1)
    assert source.planes == {(1, z) for z in range(4)}  # a projection reads every z of one t


def test_time_points() -> None:
    assert list(time_points(coded("tczyx").shape, roles("tczyx"))) == [0, 1]
    assert list(time_points(coded("czyx").shape, roles("czyx"))) == [0]
    a = coded("tczyx")
    every = [channel_stack(a, roles("tczyx"), t=t) for t in time_points(a.shape, roles("tczyx"))]
    np.testing.assert_array_equal(every[1], expected(1, 3))


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"t": 2}, ValueError, r"t = 2 is out of range: the field has 2 t plane\(s\) \(0..1\)"),
    ({"t": -1}, ValueError, "t = -1 is out of range"),
    ({"z": 4}, ValueError, r"z = 4 is out of range: the field has 4 z plane\(s\) \(0..3\)"),
    ({"z": "mean"}, ValueError, "z must be a plane index or 'max'"),
    ({"z": 1.0}, TypeError, "z must be an integer plane index"),
    ({"t": True}, TypeError, "t must be an integer plane index"),
])
def test_bad_planes_are_refused(kwargs: dict, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        channel_stack(coded("tczyx"), roles("tczyx"), **kwargs)


def test_without_z_only_plane_zero_exists() -> None:
    assert channel_stack(coded("cyx"), roles("cyx"), z=0).shape == (3, 5, 6)
    with pytest.raises(ValueError, match=r"z = 1 is out of range: the field has 1 z plane"):
        channel_stack(coded("cyx"), roles("cyx"), z=1)


def test_an_image_without_y_and_x_is_refused() -> None:
    with pytest.raises(ValueError, match="no y and x axes"):
        channel_stack(np.zeros((3,)), roles("c"))


@pytest.mark.parametrize("layout", [real_layouts.iohub, real_layouts.tczyx, real_layouts.tcyx])
def test_real_plate_layouts(tmp_path, layout) -> None:
    field = ie.open_plate(layout(tmp_path / "p.zarr")).wells["A/1"].fields[0]
    data = np.asarray(field.levels[0])
    r = field.roles
    last = data.shape[r.t] - 1 if r.t is not None else 0
    stack = channel_stack(field.levels[0], r, t=last)
    planes = np.take(data, last, axis=r.t) if r.t is not None else data  # c, (z,) y, x
    want = planes.max(axis=1) if r.z is not None else planes
    np.testing.assert_array_equal(stack, want)
