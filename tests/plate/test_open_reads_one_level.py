"""Opening reads one array document per field (the thumbnail level's); the rest when a field is shown."""

from __future__ import annotations

import shutil
import warnings

import pytest
from builders import hand_plate, write_field

import imaging_explorer as ie
from imaging_explorer.errors import PlateError
from imaging_explorer.io.documents import ZarrDocs
from imaging_explorer.overview import read_thumbnails
from imaging_explorer.plate.field_arrays import thumbnail_level

WELLS = ("A/1", "A/2", "B/1", "B/2")
LEVELS = ("0", "1", "2")  # 256, 128, 64 px: the thumbnail is level 2


@pytest.fixture
def array_reads(monkeypatch):
    """Every array document key read, in order."""
    keys: list[str] = []
    original = ZarrDocs.arrays_many

    def spy(self, paths):
        keys.extend(paths)
        return original(self, paths)

    monkeypatch.setattr(ZarrDocs, "arrays_many", spy)
    return keys


def _plate(tmp_path, version):
    return hand_plate(tmp_path / "p.zarr", version, wells=WELLS, fields=("0", "1"), shape=(2, 256, 256), levels=LEVELS)


def _open(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ie.PlateWarning)
        return ie.open_plate(path)


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_opening_reads_the_thumbnail_level_of_each_field_and_every_level_of_one(tmp_path, array_reads, version):
    plate = _open(_plate(tmp_path, version))
    fields = [f for w in plate.wells.values() for f in w.fields]
    assert len(fields) == 8
    assert sorted(array_reads) == sorted({f"{f.path}/2" for f in fields} | {"A/1/0/0", "A/1/0/1"})
    assert {f.thumbnail[0] for f in fields} == {2}
    assert all(f.thumbnail[1].shape == (2, 64, 64) and f.channel_count == 2 for f in fields)

    array_reads.clear()
    shown = plate.wells["B/2"].fields[1]
    assert [a.shape for a in shown.arrays] == [(2, 256, 256), (2, 128, 128), (2, 64, 64)]
    assert sorted(array_reads) == ["B/2/1/0", "B/2/1/1", "B/2/1/2"]
    assert shown.levels[0].shape == (2, 256, 256)


def test_a_well_view_reads_its_fields_levels_in_one_batch(tmp_path, monkeypatch):
    plate = _open(_plate(tmp_path, "0.5"))
    batches: list[list[str]] = []
    original = ZarrDocs.arrays_many
    monkeypatch.setattr(ZarrDocs, "arrays_many", lambda self, paths: batches.append(list(paths)) or original(self, paths))
    plate.load_arrays(plate.wells["A/2"].fields)
    assert len(batches) == 1 and len(batches[0]) == 6
    assert all(len(f.arrays) == 3 for f in plate.wells["A/2"].fields) and len(batches) == 1


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_the_chosen_level_is_the_one_every_level_would_give(tmp_path, version):
    from builders import omezarr_plate

    plate = _open(omezarr_plate(tmp_path / "o.zarr", version, shape=(2, 300, 260), labels=False))
    plate.load_arrays()
    for f in (f for w in plate.wells.values() for f in w.fields):
        level = thumbnail_level(f.multiscale, [a.shape for a in f.arrays])
        assert f.thumbnail[0] == level and f.thumbnail[1].shape == f.arrays[level].shape


def test_a_damaged_full_resolution_costs_the_field_when_it_is_shown(tmp_path):
    path = _plate(tmp_path, "0.5")
    (path / "A/1/1/0/zarr.json").write_text("{ not json")
    plate = _open(path)
    broken = plate.wells["A/1"].fields[1]
    assert broken.thumbnail[0] == 2  # the overview still has its picture
    assert read_thumbnails(plate, fields=[broken])[broken.path] is not None
    plate.load_arrays()  # a batch does not raise for one field
    with pytest.raises(PlateError, match=r"A/1/1: array .0.: not valid JSON"):
        _ = broken.arrays
    with pytest.raises(PlateError, match=r"A/1/1: array .0.: not valid JSON"):
        _ = broken.levels
    assert len(plate.wells["A/1"].fields[0].arrays) == 3
    assert any("A/1/1/0" in p for p in ie.validate(path))


def test_a_field_missing_its_thumbnail_level_is_read_whole(tmp_path):
    path = _plate(tmp_path, "0.5")
    shutil.rmtree(path / "B/1/0/2")
    plate = _open(path)
    f = plate.wells["B/1"].fields[0]
    assert f.thumbnail[0] == 1 and f.thumbnail[1].shape == (2, 128, 128)
    assert len(f.arrays) == 2
    assert any("B/1/0" in w and "'2' is missing" in w for w in plate.warnings)
    assert read_thumbnails(plate, fields=[f])[f.path].shape[-2:] == (128, 128)


def test_a_smaller_field_of_the_same_layout_gets_its_own_level(tmp_path):
    path = _plate(tmp_path, "0.5")
    shutil.rmtree(path / "A/2/1")
    write_field(path, "A/2/1", "0.5", (2, 128, 128), "cyx", LEVELS)  # level 2 would be 32 px
    plate = _open(path)
    small = plate.wells["A/2"].fields[1]
    assert small.thumbnail[0] == 1 and small.thumbnail[1].shape == (2, 64, 64)
    assert plate.wells["A/2"].fields[0].thumbnail[0] == 2
