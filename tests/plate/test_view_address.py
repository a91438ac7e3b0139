"""Shareable view addresses ("/data/plate.zarr#C07/2"): format, parse, round trip, errors."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from imaging_explorer.plate import (
    ViewAddress,
    Well,
    parse_view_address,
    parse_well_name,
)
from imaging_explorer.plate.view_address import same_location


@pytest.mark.parametrize("address", [
    ViewAddress("/data/screens/plate.zarr", "C07", 2),
    ViewAddress("/data/screens/plate.zarr", "C07"),
    ViewAddress("/data/screens/plate.zarr"),
    ViewAddress("https://example.org/plates/plate.zarr", "H12", 3),
    ViewAddress("s3://bucket/plate.zarr", "A01"),
    ViewAddress("file:///data/plate.zarr", "B02", 1),
    ViewAddress("https://example.org/view#v2/plate.zarr", "B03", 2),  # the URL has a "#" of its own
    ViewAddress("https://example.org/plate.zarr#frag"),  # a fragment that is no well: kept, no well
    ViewAddress("/data/1536.zarr", "AA01", 4),
    ViewAddress("/data/1536.zarr", "AF48"),
])
def test_format_then_parse_gives_the_same_address(address):
    assert parse_view_address(address.format()) == address
    assert str(address) == address.format()


def test_formatted_addresses_read_as_people_expect():
    assert ViewAddress("/data/plate.zarr", "c/7", 2).format() == "/data/plate.zarr#C07/2"
    assert ViewAddress("/data/plate.zarr", "C7").format() == "/data/plate.zarr#C07"
    assert ViewAddress("/data/plate.zarr").format() == "/data/plate.zarr"
    assert ViewAddress("/data/1536.zarr", "aa1", 1).format() == "/data/1536.zarr#AA01/1"
    url = "https://example.org/view#v2/plate.zarr"
    assert str(ViewAddress(url, "B3", 2)) == f"{url}#B03/2"


def test_a_local_path_becomes_absolute_and_a_url_is_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    address = parse_view_address("plates/p.zarr#C07/2")
    assert address == ViewAddress(str(tmp_path / "plates" / "p.zarr"), "C07", 2)
    assert address.format() == f"{tmp_path / 'plates' / 'p.zarr'}#C07/2"
    assert os.path.isabs(parse_view_address("~/p.zarr").location)
    url = "HTTP://Example.org/a/../p.zarr/"
    assert parse_view_address(f"{url}#C7").location == url  # not normalised in any way


@pytest.mark.parametrize("typed", ["C07", "C7", "c07", "c7", "C/7", "C/07", "C-07", "C_7", "C 07", " C07 "])
def test_well_spellings_of_the_well_name_parser_are_accepted(typed):
    address = parse_view_address(f"/data/p.zarr#{typed}/2")
    assert (address.well, address.field, address.field_index) == ("C07", 2, 1)
    assert parse_view_address(f"/data/p.zarr#{typed}") == ViewAddress("/data/p.zarr", "C07")


def test_the_canonical_well_finds_the_plates_own_key():
    """The address writes "C07"; the plate may name its column "7" or "07": both are found."""
    for column in ("7", "07"):
        well = Well(f"C/{column}", "C", column, 2, 0, [])
        plate = SimpleNamespace(rows=["A", "B", "C"], columns=[column], wells={well.path: well}, missing_wells={})
        assert parse_well_name(parse_view_address("/p.zarr#c7/1").well, plate) == f"C/{column}"


def test_only_the_last_hash_followed_by_a_well_separates():
    assert parse_view_address("http://h/a#b/plate.zarr#C07/2") == ViewAddress("http://h/a#b/plate.zarr", "C07", 2)
    assert parse_view_address("http://h/plate.zarr#section-one") == ViewAddress("http://h/plate.zarr#section-one")
    assert parse_view_address("/data/run#3/plate.zarr").well is None  # a folder named "run#3"
    assert parse_view_address("/data/run#3/plate.zarr").location == "/data/run#3/plate.zarr"
    assert parse_view_address("/data/p.zarr#C/7/2") == ViewAddress("/data/p.zarr", "C07", 2)


@pytest.mark.parametrize(("text", "problem"), [
    ("/data/p.zarr#C07/0", "field 0 does not exist: fields are numbered from 1"),
    ("/data/p.zarr#C07/x", "field 'x' after C07/ is not a field number"),
    ("/data/p.zarr#C07x", "cannot read a well name from 'C07x'"),
    ("/data/p.zarr#C7/2/3", "cannot read a well name from 'C7/2'"),
    ("/data/p.zarr#", "nothing after '#'"),
])
def test_a_broken_address_names_the_text_and_the_problem(text, problem):
    with pytest.raises(ValueError, match="^(.*)$") as err:
        parse_view_address(text)
    message = str(err.value)
    assert repr(text) in message and problem in message, message


def test_an_empty_address_or_a_bad_address_object_is_refused():
    with pytest.raises(ValueError, match="no view address given"):
        parse_view_address("  ")
    with pytest.raises(ValueError, match="needs a plate location"):
        ViewAddress("", "C07")
    with pytest.raises(ValueError, match="a field .* needs a well"):
        ViewAddress("/p.zarr", None, 2)
    with pytest.raises(ValueError, match="numbered from 1"):
        ViewAddress("/p.zarr", "C07", 0)
    with pytest.raises(ValueError, match="cannot read a well name from 'section'"):
        ViewAddress("/p.zarr", "section")
    with pytest.raises(ValueError, match="reads as a well"):  # it could not be read back without the well
        ViewAddress("http://h/p.zarr#C07")


def test_same_location(tmp_path):
    (tmp_path / "p.zarr").mkdir()
    (tmp_path / "link.zarr").symlink_to(tmp_path / "p.zarr")
    assert same_location(str(tmp_path / "p.zarr"), f"{tmp_path}/p.zarr/")
    assert same_location(str(tmp_path / "link.zarr"), f"file://{tmp_path}/p.zarr")
    assert same_location("http://h/p.zarr/", "http://h/p.zarr")
    assert not same_location("http://h/p.zarr", "http://h/q.zarr")
    assert not same_location(str(tmp_path / "p.zarr"), "http://h/p.zarr")
