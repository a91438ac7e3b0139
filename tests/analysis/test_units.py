"""Physical pixel areas from a field's axis units (µm², or None for pixels)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from imaging_explorer.analysis.units import area_text, length_in_um, pixel_area_um2
from imaging_explorer.ngff import Axis


@pytest.mark.parametrize(("unit", "um"), [
    ("micrometer", 1.0), ("Micrometre", 1.0), ("micrometers", 1.0), ("µm", 1.0), ("μm", 1.0), ("um", 1.0),
    ("micron", 1.0), ("nanometer", 1e-3), ("nm", 1e-3), ("millimeter", 1e3), ("meter", 1e6), ("angstrom", 1e-4),
    (None, None), ("", None), ("pixel", None), ("second", None),
])
def test_length_units_in_micrometres(unit, um):
    assert length_in_um(unit) == (pytest.approx(um) if um is not None else None)


def _field(units: tuple[str | None, ...], scale: tuple[float, ...]):
    axes = tuple(Axis(n, "space" if n in "zyx" else "channel", u) for n, u in zip("czyx"[-len(units):], units))
    return SimpleNamespace(multiscale=SimpleNamespace(axes=axes), scale=lambda level=0: scale)


def test_pixel_area_from_the_last_two_axes():
    assert pixel_area_um2(_field((None, "micrometer", "micrometer", "micrometer"), (1, 2.0, 0.65, 0.65))) \
        == pytest.approx(0.65 * 0.65)  # z does not count
    assert pixel_area_um2(_field(("micrometer", "nanometer", "nanometer"), (1, 650.0, 325.0))) \
        == pytest.approx(0.65 * 0.325)
    assert pixel_area_um2(_field(("micrometer", None, "micrometer"), (1, 0.65, 0.65))) is None  # y has no unit
    assert pixel_area_um2(_field(("micrometer", "micrometer"), (0.65, 0.0))) is None  # no size


def test_real_sample_field(tiny_plate):
    import imaging_explorer as ie

    field = next(iter(ie.open_plate(str(tiny_plate)).wells.values())).fields[0]
    sy, sx = field.scale(0)[-2:]
    assert pixel_area_um2(field) == pytest.approx(sy * sx)  # the sample plate writes micrometer
    assert pixel_area_um2(field, 1) == pytest.approx(sy * sx * 4)


def test_area_text():
    assert area_text(230, None) == "230 px"
    assert area_text(230, 0.65**2) == "97.2 µm²"
    assert area_text(1000, 1.0) == "1000 µm²"
