"""The Review keeps the plate map the browser found with the plate in the annotation store, so that
exports of current calls and consensus (``imaging-explorer annotations export``, default store)
carry compound_id, concentration and role. Qt-free: store jobs run inline."""

from __future__ import annotations

import pandas as pd
import pytest
from stand_ins import InstantBrowser

import imaging_explorer as ie
from imaging_explorer._napari.review.model import ReviewModel
from imaging_explorer.annotations import AnnotationStore
from imaging_explorer.cli import main


@pytest.fixture
def default_store(tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGING_EXPLORER_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("IMAGING_EXPLORER_DB", str(tmp_path / "default.db"))  # the dock's and the CLI's default
    return tmp_path / "default.db"



@pytest.mark.parametrize("found_first", [True, False], ids=["map-before-store", "map-after-store"])
def test_found_plate_map_goes_into_exports(small_plate, default_store, tmp_path, found_first):
    plate = ie.open_plate(str(small_plate.plate))
    pm = ie.read_platemap(small_plate.platemap, plate)
    browser = InstantBrowser(plate)
    if found_first:  # the browser found the map before the dock opened
        browser.state.platemap = pm
    review = ReviewModel(browser, None, inline=True)
    try:
        review.options.auto_advance = False
        review.options.reviewer = "ana"
        if not found_first:
            browser.state.platemap = pm  # as PlateController.set_platemap does
        key = next(iter(plate.wells))
        browser.show_well(key)
        assert review.call("hit")
        browser.state.platemap = pm.copy()  # found again (plate opened again): nothing new is stored
        with AnnotationStore(default_store, read_only=True) as store:
            assert store.platemap(plate) is not None
            with store._read() as conn:
                assert conn.exec_driver_sql("SELECT count(*) FROM platemaps").scalar() == 1
    finally:
        review.close()
    for what, sep in (("current", ","), ("consensus", "\t")):
        out = tmp_path / f"{what}.{'csv' if sep == ',' else 'tsv'}"
        assert main(["annotations", "export", "--plate", plate.name, "--what", what, str(out)]) == 0
        table = pd.read_csv(out, sep=sep, keep_default_na=False)
        assert table.loc[0, "well"] == key
        assert table.loc[0, "compound_id"] == pm.loc[key, "compound_id"] and table.loc[0, "role"] == pm.loc[key, "role"]
