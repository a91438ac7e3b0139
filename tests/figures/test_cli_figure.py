"""`imaging-explorer figure`: each kind written to its file, and bad requests refused with one
clear message (a suffix other than .png / .svg names the file, before the plate is read)."""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from imaging_explorer import cli_figure


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="imaging-explorer")
    cli_figure.add_parser(parser.add_subparsers(dest="command"))
    return cli_figure.run(parser.parse_args(["figure", *argv]))


def test_overview_png_at_the_dpi(figure_plate, tmp_path, capsys) -> None:
    out = tmp_path / "overview.png"
    assert _run("overview", str(figure_plate), "--out", str(out), "--dpi", "50") == 0
    assert f"wrote {out}" in capsys.readouterr().out
    with Image.open(out) as image:
        assert image.info["dpi"][0] == pytest.approx(50, abs=0.5) and image.size[0] == 400  # 8 inches wide


def test_heatmap_svg_marks_the_hits(figure_plate, figure_readouts, tmp_path) -> None:
    out = tmp_path / "heatmap.svg"
    assert _run("heatmap", str(figure_plate), "--readouts", str(figure_readouts), "--out", str(out)) == 0
    texts = ["".join(t.itertext()).strip() for t in ET.parse(out).getroot().iter() if t.tag.endswith("text")]
    assert {"A", "D", "1", "6"} <= set(texts) and "H" in texts and "activity_pct" in texts


def test_card_and_montage(figure_plate, figure_readouts, tmp_path) -> None:
    card, montage = tmp_path / "card.png", tmp_path / "montage.svg"
    assert _run("card", str(figure_plate), "--readouts", str(figure_readouts), "--compound", "CPD-001",
                "--out", str(card)) == 0
    assert _run("montage", str(figure_plate), "--readouts", str(figure_readouts), "--well", "B02,c2",
                "--out", str(montage)) == 0
    with Image.open(card) as image:
        assert image.size[0] > 1000  # ten wells wide at 300 dpi
    texts = ["".join(t.itertext()).strip() for t in ET.parse(montage).getroot().iter() if t.tag.endswith("text")]
    order = [texts.index(t) for t in ("neg. control", "B2", "C2", "pos. control")]
    assert order == sorted(order)  # the wells between the two controls


def test_bad_requests_are_one_clear_error(figure_plate, figure_readouts, tmp_path) -> None:
    jpg = tmp_path / "figure.jpg"
    with pytest.raises(ValueError, match=f"{jpg}.*png or .svg"):
        _run("overview", str(tmp_path / "no-such-plate.zarr"), "--out", str(jpg))  # refused before reading
    assert not jpg.exists()
    with pytest.raises(ValueError, match="no analysis store.*--readouts"):
        _run("heatmap", str(figure_plate), "--out", str(tmp_path / "h.png"))
    with pytest.raises(ValueError, match="no compound 'CPD-999'"):
        _run("card", str(figure_plate), "--readouts", str(figure_readouts), "--compound", "CPD-999",
             "--out", str(tmp_path / "c.png"))
    with pytest.raises(ValueError, match="no row"):
        _run("montage", str(figure_plate), "--well", "Z01", "--out", str(tmp_path / "m.png"))
