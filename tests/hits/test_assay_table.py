"""The assay table (plate map beside readouts, wells matched however they are written) and the QC flags."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from imaging_explorer.hits import HitsError, assay_table, qc_flags
from imaging_explorer.platemap import read_platemap


@pytest.fixture
def platemap() -> pd.DataFrame:
    return read_platemap(pd.DataFrame({
        "well": ["A01", "A02", "B01", "B02"],
        "compound_id": ["DMSO", "CPD-1", "REF", ""],
        "concentration_uM": [None, 3.0, 10.0, None],
        "role": ["neg_control", "sample", "pos_control", "empty"],
    }))


def test_wells_match_however_they_are_written(platemap):
    readouts = pd.DataFrame({"well": ["A/1", "a2", "B01"], "nuclei_count": pd.array([100, 80, 90], dtype="Int64"),
                             "infected_fraction": [0.7, 0.3, 0.02]})
    table = assay_table(readouts, platemap, source="wells.parquet")
    assert list(table.index) == ["A/1", "A/2", "B/1", "B/2"]  # the plate map's keys and order
    assert table.index.name == "well" and table.attrs["source"] == "wells.parquet"
    assert table.loc["A/2", "infected_fraction"] == 0.3 and table.loc["A/2", "compound_id"] == "CPD-1"
    assert list(table["measured"]) == [True, True, True, False]
    assert math.isnan(table.loc["B/2", "infected_fraction"]) and table["nuclei_count"].isna()["B/2"]
    assert list(table.columns[:5]) == ["row", "column", "compound_id", "concentration", "role"]


def test_zero_padded_plate_keys_match_unpadded_readouts():
    # read_platemap with a plate whose columns are "01", "02" gives keys "A/01"
    platemap = pd.DataFrame({"row": ["A", "A"], "column": ["01", "02"], "compound_id": ["DMSO", "X"],
                             "concentration": [np.nan, 1.0], "role": ["neg_control", "sample"]},
                            index=pd.Index(["A/01", "A/02"], name="well"))
    table = assay_table(pd.DataFrame({"well": ["A/1", "A/2"], "infected_fraction": [0.5, 0.4]}), platemap)
    assert table["infected_fraction"].to_dict() == {"A/01": 0.5, "A/02": 0.4}


def test_only_the_first_time_point_is_used(platemap):
    readouts = pd.DataFrame({"well": ["A/1", "A/1", "A/2", "A/2"], "t": [1, 0, 0, 1],
                             "infected_fraction": [0.9, 0.1, 0.2, 0.8]})
    table = assay_table(readouts, platemap)
    assert table.loc["A/1", "infected_fraction"] == 0.1 and table.loc["A/2", "infected_fraction"] == 0.2


def test_readout_wells_outside_the_plate_map_are_kept_without_a_role(platemap):
    readouts = pd.DataFrame({"well": ["A/1", "C/7"], "infected_fraction": [0.7, 0.5]})
    table = assay_table(readouts, platemap)
    assert list(table.index) == ["A/1", "A/2", "B/1", "B/2", "C/7"]
    assert table.loc["C/7", "role"] == "" and table.loc["C/7", "compound_id"] == ""
    assert (table.loc["C/7", "row"], table.loc["C/7", "column"]) == ("C", "7")
    assert table.loc["C/7", "measured"] and table.loc["C/7", "infected_fraction"] == 0.5
    assert qc_flags(table)["C/7"] == "not in the plate map"


def test_tables_without_a_shared_well_name_the_source(platemap):
    with pytest.raises(HitsError, match=r"^plate1/wells\.csv: none of its 2 wells \(H/11, H/12\) is in the plate map"):
        assay_table(pd.DataFrame({"well": ["H/11", "H/12"], "infected_fraction": [0.1, 0.2]}), platemap,
                    source="plate1/wells.csv")


def test_bad_readouts_are_errors(platemap):
    with pytest.raises(HitsError, match="no 'well' column"):
        assay_table(pd.DataFrame({"wellname": ["A/1"]}), platemap)
    with pytest.raises(HitsError, match="wells listed twice: A/1, A01"):
        assay_table(pd.DataFrame({"well": ["A/1", "A01"], "infected_fraction": [0.1, 0.2]}), platemap)
    with pytest.raises(HitsError, match="role"):
        assay_table(pd.DataFrame({"well": ["A/1"], "role": ["x"]}), platemap)
    with pytest.raises(HitsError, match="read it with read_platemap"):
        assay_table(pd.DataFrame({"well": ["A/1"]}), platemap.drop(columns="role"))


def test_qc_flags_name_each_reason():
    table = pd.DataFrame({
        "role": ["sample", "sample", "sample", "sample", "empty", "neg_control", "pos_control"],
        "measured": [True, True, True, False, True, True, True],
        "nuclei_count": pd.array([100, 0, 90, pd.NA, 0, 95, 0], dtype="Int64"),
        "saturated_fraction": [0.0, 0.08, 0.0, np.nan, 0.3, 0.01, 0.0],
        "focus": [1.0, 0.01, 0.31, np.nan, 0.01, 1.2, 0.01],
    }, index=["A/1", "A/2", "A/3", "A/4", "A/5", "A/6", "A/7"])
    flags = qc_flags(table)
    assert flags.to_dict() == {
        "A/1": "",
        "A/2": "saturated 8.0 % of pixels",  # no cells in a sample: cytotoxic, not a QC failure; focus not judged
        "A/3": "out of focus (0.31 of the plate's median)",  # median of the measured wells with cells: 1.0
        "A/4": "not measured",
        "A/5": "",  # an empty well is meant to be bare
        "A/6": "",
        "A/7": "no nuclei",  # a control without cells is broken
    }
    assert flags.name == "qc_flag"
    # thresholds are the caller's
    assert qc_flags(table, saturated_max=0.1, focus_min_ratio=0.2)["A/2"] == ""


def test_qc_flags_skip_checks_whose_column_is_missing():
    table = pd.DataFrame({"role": ["sample", "sample"], "infected_fraction": [0.1, 0.2]}, index=["A/1", "A/2"])
    assert list(qc_flags(table)) == ["", ""]
