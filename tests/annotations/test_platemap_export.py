"""The plate map kept with a plate in the annotation store: saved once however often it is saved,
the newest map wins, and current calls and consensus carry its compound_id, concentration and role
(exports: tests/_napari/review/test_review_platemap.py). On SQLite and PostgreSQL (``store_url``)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
import sqlalchemy as sa

import imaging_explorer as ie
from imaging_explorer.annotations import AnnotationStore
from imaging_explorer.annotations import schema as S


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    out = ie.make_sample_plate(tmp_path_factory.mktemp("pm") / "screen.zarr", rows=2, columns=3, fields=1, size=64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plate = ie.open_plate(out.plate)
        return plate, ie.read_platemap(out.platemap, plate)


def _stored_maps(store: AnnotationStore) -> int:
    with store._read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(S.platemaps)).scalar())


def test_the_same_map_is_stored_once_and_the_newest_wins(store_url, sample):
    plate, pm = sample
    with AnnotationStore(store_url) as store:
        first = store.save_platemap(plate, pm)
        assert store.save_platemap(plate, pm.copy()) == first  # the dock saves it on every opening
        assert _stored_maps(store) == 1
        changed = pm.copy()
        changed.loc["A/2", "compound_id"] = "CPD-NEW"
        second = store.save_platemap(plate, changed)
        assert second != first and _stored_maps(store) == 2
        assert store.platemap(plate).loc["A/2", "compound_id"] == "CPD-NEW"
        assert store.save_platemap(plate, pm) not in (first, second)  # back to the first map: it is the newest now
        assert store.platemap(plate).loc["A/2", "compound_id"] == pm.loc["A/2", "compound_id"]


def test_current_and_consensus_carry_the_compounds(store_url, sample):
    plate, pm = sample
    with AnnotationStore(store_url) as store:
        store.annotate(plate, "A/2", call="hit", reviewer="ana")
        store.annotate(plate, "B/3", call="reject", reviewer="ana")
        store.annotate(plate, "B/3", call="hit", reviewer="ben")
        bare = store.current(plate, platemap=True)  # no map stored yet: the table as it was
        assert list(bare.columns) == list(store.current(plate).columns)
        store.save_platemap(plate, pm)
        cur = store.current(plate, platemap=True)
        assert cur[["well", "reviewer", "call"]].values.tolist() == [["A/2", "ana", "hit"], ["B/3", "ana", "reject"],
                                                                     ["B/3", "ben", "hit"]]
        columns = ["compound_id", "concentration", "role"]
        expected = pm.loc[cur["well"], columns].reset_index(drop=True)
        pd.testing.assert_frame_equal(cur[columns], expected, check_dtype=False)
        con = store.consensus(plate, platemap=True)
        assert con.index.tolist() == ["A/2", "B/3"] and bool(con.loc["B/3", "conflict"])
        assert con["compound_id"].tolist() == [pm.loc["A/2", "compound_id"], pm.loc["B/3", "compound_id"]]
        assert con["role"].tolist() == [pm.loc["A/2", "role"], pm.loc["B/3", "role"]]
        assert "compound_id" not in store.consensus(plate).columns  # asked for only
