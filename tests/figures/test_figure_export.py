"""Saving figures: PNG at a DPI (pixel size and the file's DPI follow it), SVG with text as
text, written whole, and any other suffix refused with the path named."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from imaging_explorer.figures.export import png_bytes, save_figure
from imaging_explorer.figures.heatmap import heatmap_figure

ROWS, COLUMNS = list("ABCDEFGH"), [str(c) for c in range(1, 13)]


def _figure():
    return heatmap_figure({"A1": 1.0, "B03": 2.0, "H/12": 3.0}, ROWS, COLUMNS, title="test", label="value")


def test_png_pixels_and_dpi_follow_the_dpi(tmp_path) -> None:
    fig = _figure()
    low, high = save_figure(fig, tmp_path / "low.png", dpi=150), save_figure(fig, tmp_path / "high.png", dpi=300)
    with Image.open(low) as a, Image.open(high) as b:
        assert b.size[0] == pytest.approx(2 * a.size[0], abs=1) and b.size[1] == pytest.approx(2 * a.size[1], abs=1)
        assert a.info["dpi"][0] == pytest.approx(150, abs=0.5) and b.info["dpi"][0] == pytest.approx(300, abs=0.5)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temporary file left behind


def test_png_bytes_are_a_png_at_that_dpi() -> None:
    data = png_bytes(_figure(), dpi=100)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(data)) as image:
        assert image.info["dpi"][0] == pytest.approx(100, abs=0.5)


def test_svg_is_xml_with_the_well_labels_as_text(tmp_path) -> None:
    path = save_figure(_figure(), tmp_path / "sub" / "heatmap.svg")  # the folder is made
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    texts = {"".join(t.itertext()).strip() for t in root.iter() if t.tag.endswith("text")}
    assert set(ROWS) <= texts and {"1", "12"} <= texts


@pytest.mark.parametrize("name", ["figure.jpg", "figure", "figure.PDF"])
def test_other_suffixes_are_refused_naming_the_path(tmp_path, name) -> None:
    target = tmp_path / name
    with pytest.raises(ValueError, match=str(target).replace(".", r"\.")):
        save_figure(_figure(), target)
    assert not target.exists()


def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "kept.png"
    target.write_bytes(b"old")
    fig = _figure()

    def half_written(file, **_kw):
        with open(file, "wb") as out:
            out.write(b"half a figure")
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", half_written)
    with pytest.raises(RuntimeError, match="disk full"):
        save_figure(fig, target)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["kept.png"]
    with pytest.raises(ValueError, match="DPI"):
        save_figure(_figure(), target, dpi=0)
