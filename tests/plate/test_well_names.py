"""Typed well names -> plate keys, and the row-major walk over existing wells."""

from __future__ import annotations

import re
import string
from pathlib import Path
from types import SimpleNamespace

import pytest

from builders import hand_plate
from imaging_explorer.plate.names import parse_well_name, step_well, well_order
from imaging_explorer.plate import Well

ROWS_1536 = list(string.ascii_uppercase) + [f"A{c}" for c in "ABCDEF"]  # A..Z, AA..AF


def fake_plate(rows: list[str], columns: list[str], wells: list[str], missing: dict[str, str] | None = None):
    """Just what navigation reads: names, wells with indices, missing wells."""
    made = {}
    for key in wells:
        r, c = key.split("/")
        made[key] = Well(key, r, c, rows.index(r), columns.index(c), [])
    return SimpleNamespace(rows=rows, columns=columns, wells=made, missing_wells=missing or {})


@pytest.fixture
def plate96():
    rows, cols = list("ABCDEFGH"), [str(i) for i in range(1, 13)]
    wells = [f"{r}/{c}" for r in rows for c in cols if f"{r}/{c}" not in ("C/8", "D/1")]
    return fake_plate(rows, cols, wells, {"C/8": "well group not found in the store"})


@pytest.fixture
def plate_zero_padded():
    rows, cols = list("ABCDEFGHIJKLMNOP"), [f"{i:02d}" for i in range(1, 25)]
    return fake_plate(rows, cols, [f"{r}/{c}" for r in rows for c in cols])


@pytest.fixture
def plate1536():
    cols = [str(i) for i in range(1, 49)]
    return fake_plate(ROWS_1536, cols, ["A/1", "Z/48", "AA/12", "AF/48", "AB/1"])


@pytest.mark.parametrize("text", ["C7", "C07", "c7", "C/7", "C-07", " C 07 ", "c/07", "C_7", "C:007"])
def test_every_form_finds_the_well(plate96, text):
    assert parse_well_name(text, plate96) == "C/7"


@pytest.mark.parametrize("text", ["C7", "C07", "c7", "C/7", "C-07", " C 07 ", "c 7"])
def test_zero_padded_columns_are_kept_as_written(plate_zero_padded, text):
    assert parse_well_name(text, plate_zero_padded) == "C/07"


@pytest.mark.parametrize(("text", "key"), [("AA12", "AA/12"), ("aa12", "AA/12"), ("AA/12", "AA/12"),
                                           ("AF48", "AF/48"), ("Z48", "Z/48"), ("ab-01", "AB/1"), ("A1", "A/1")])
def test_1536_well_names(plate1536, text, key):
    assert parse_well_name(text, plate1536) == key


def test_exact_column_name_wins_over_numeric_match():
    plate = fake_plate(["A"], ["7", "07"], ["A/7", "A/07"])
    assert parse_well_name("A07", plate) == "A/07"
    assert parse_well_name("A7", plate) == "A/7"


def test_odd_names_without_letters_digits_pattern():
    plate = fake_plate(["1", "2"], ["x", "y"], ["1/x", "2/y"])
    assert parse_well_name("2y", plate) == "2/y"
    assert parse_well_name("1 x", plate) == "1/x"


@pytest.mark.parametrize(("text", "words"), [
    ("Q7", ["'Q7'", "no row 'Q'", "A..H"]),
    ("C13", ["'C13'", "no column '13'", "1..12"]),
    ("", ["no well name"]),
    ("   ", ["no well name"]),
    ("hello world again", ["cannot read a well name", "'hello world again'"]),
    ("7", ["cannot read"]),
])
def test_unknown_input_says_what_is_wrong(plate96, text, words):
    with pytest.raises(ValueError) as info:
        parse_well_name(text, plate96)
    for word in words:
        assert word in str(info.value)


def test_missing_well_names_the_reason(plate96):
    with pytest.raises(ValueError, match=r"'C08'.*C8.*well group not found in the store"):
        parse_well_name("C08", plate96)
    with pytest.raises(ValueError, match=r"D1 is not in this plate"):
        parse_well_name("d1", plate96)


def test_missing_well_of_a_real_plate(tmp_path: Path):
    import imaging_explorer as ie

    path = hand_plate(tmp_path / "p.zarr", wells=("A/1", "A/2", "B/2"), write_wells=("A/1", "B/2"))
    plate = ie.open_plate(path)
    assert "A/2" in plate.missing_wells
    with pytest.raises(ValueError, match=re.escape(plate.missing_wells["A/2"])):
        parse_well_name("A02", plate)
    assert parse_well_name("b-2", plate) == "B/2"
    assert well_order(plate) == ["A/1", "B/2"]
    assert step_well(plate, "A/1", 1) == "B/2"


def test_order_is_row_major_and_skips_missing(plate96):
    order = well_order(plate96)
    assert len(order) == 94
    assert order[:3] == ["A/1", "A/2", "A/3"]
    assert order[11:13] == ["A/12", "B/1"]  # by index: "A/10" sorts after "A/1" not by text
    assert "C/8" not in order and "D/1" not in order
    assert order[order.index("C/7") + 1] == "C/9"
    assert order[order.index("C/12") + 1] == "D/2"


def test_order_of_1536_rows_by_index(plate1536):
    assert well_order(plate1536) == ["A/1", "Z/48", "AA/12", "AB/1", "AF/48"]


def test_step_skips_missing_wells(plate96):
    assert step_well(plate96, "C/7", 1) == "C/9"
    assert step_well(plate96, "C/9", -1) == "C/7"
    assert step_well(plate96, "C/12", 1) == "D/2"
    assert step_well(plate96, "D/2", -1) == "C/12"
    assert step_well(plate96, "A/1", 12) == "B/1"
    assert step_well(plate96, "B/1", 0) == "B/1"


def test_step_clamps_at_the_ends(plate96):
    assert step_well(plate96, "H/12", 1) == "H/12"
    assert step_well(plate96, "A/1", -1) == "A/1"
    assert step_well(plate96, "A/2", -50) == "A/1"
    assert step_well(plate96, "H/11", 50) == "H/12"


def test_step_from_nothing(plate96):
    assert step_well(plate96, None, 1) == "A/1"
    assert step_well(plate96, None, -1) == "H/12"
    assert step_well(plate96, None, 0) is None
    assert step_well(fake_plate(["A"], ["1"], []), None, 1) is None


def test_step_from_a_missing_well_lands_on_its_neighbours(plate96):
    assert step_well(plate96, "C/8", 1) == "C/9"
    assert step_well(plate96, "C/8", -1) == "C/7"
    assert step_well(plate96, "C/8", 2) == "C/10"
    assert step_well(plate96, "D/1", -1) == "C/12"
    with pytest.raises(ValueError, match="not a well"):
        step_well(plate96, "Z/99", 1)
