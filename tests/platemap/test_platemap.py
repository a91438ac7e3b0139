"""Plate maps: the forms they come in, unit conversion, roles, and line-numbered errors."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import pandas as pd
import pytest
from builders import hand_plate

import imaging_explorer as ie
from imaging_explorer.platemap import PlateMapError, PlateMapWarning, find_platemap, read_platemap, replicates


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    out = ie.make_sample_plate(tmp_path_factory.mktemp("pm") / "screen.zarr", rows=2, columns=3, fields=1, size=64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return out, ie.open_plate(out.plate)


@pytest.fixture(scope="module")
def padded(tmp_path_factory: pytest.TempPathFactory):
    """A plate whose column names are zero-padded ("03") and whose well keys are "B/03"."""
    path = hand_plate(tmp_path_factory.mktemp("padded") / "p.zarr", wells=("A/01", "B/03"), rows=("A", "B"),
                      columns=("01", "02", "03"), shape=(1, 16, 16), levels=("0",))
    return ie.open_plate(path)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_platemap_reads_cleanly_against_the_sample_plate(sample):
    out, plate = sample
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no assumption needed: concentration_uM is explicit
        pm = ie.read_platemap(out.platemap, plate)
    assert list(pm.index) == ["A/1", "A/2", "A/3", "B/1", "B/2", "B/3"]
    assert set(plate.wells) | set(plate.missing_wells) == set(pm.index)
    assert list(pm.columns[:5]) == ["row", "column", "compound_id", "concentration", "role"]
    assert pm.loc["A/1", "role"] == "neg_control" and pm.loc["A/1", "compound_id"] == "DMSO"
    assert math.isnan(pm.loc["A/1", "concentration"])
    assert pm.loc["A/3", "role"] == "pos_control" and pm.loc["A/3", "concentration"] == 10.0
    assert pm.loc["A/2", "role"] == "sample" and pm.loc["A/2", "concentration"] == 30.0
    assert pm["concentration"].dtype == "float64"
    assert replicates(pm, "A/3") == ["B/3"]
    assert replicates(pm, "A/1") == ["B/1"]  # DMSO without concentration: replicates of each other
    assert replicates(pm, "A/2") == []
    # found beside the plate folder
    found = find_platemap(plate)
    assert found is not None and list(found.index) == list(pm.index)


def test_well_forms_and_units(tmp_path):
    pm = read_platemap(write(tmp_path / "m.csv",
                             "Well,Compound_ID,Concentration,Unit,Role\n"
                             "A1,CPD-1,500,nM,sample\n"
                             "a/2,CPD-1,0.5,uM,Sample\n"
                             "A-03,CPD-1,0.0005,mM,SAMPLE\n"
                             "B_01,CPD-1,0.5,µM,compound\n"
                             "B02,DMSO,,,Negative Control\n"
                             "B3,,,,\n"))
    assert list(pm.index) == ["A/1", "A/2", "A/3", "B/1", "B/2", "B/3"]
    assert pm["concentration"].iloc[:4].tolist() == pytest.approx([0.5] * 4)
    assert pm["role"].tolist() == ["sample"] * 4 + ["neg_control", "empty"]
    assert replicates(pm, "A/1") == ["A/2", "A/3", "B/1"]
    # suffix units, row + column (numeric row), TSV
    pm = read_platemap(write(tmp_path / "m.tsv", "row\tcolumn\tcompound_id\tconc_nM\n2\t3\tX\t250\n1\t12\tY\t1e3\n"))
    assert list(pm.index) == ["B/3", "A/12"] and pm["concentration"].tolist() == [0.25, 1.0]
    assert pm["role"].tolist() == ["sample", "sample"]  # no role column: a compound means sample
    # semicolon CSV as written by Excel in some locales, decimal comma
    pm = read_platemap(write(tmp_path / "excel.csv", "well;compound_id;concentration_uM;role\nC05;Z;2,5;pos_control\n"))
    assert pm.loc["C/5", "concentration"] == 2.5


def test_concentration_without_unit_is_taken_as_micromolar_with_a_warning(tmp_path):
    with pytest.warns(PlateMapWarning, match="µM"):
        pm = read_platemap(write(tmp_path / "m.csv", "well,compound_id,concentration\nA01,X,3\n"))
    assert pm.loc["A/1", "concentration"] == 3.0


def test_extra_columns_are_kept_as_they_are(tmp_path):
    pm = read_platemap(write(tmp_path / "m.csv", "well,compound_id,concentration_uM,role,SMILES,batch\n"
                                                   "A01,X,1,sample,CC(=O)O,001\n"))
    assert pm.loc["A/1", "SMILES"] == "CC(=O)O" and pm.loc["A/1", "batch"] == "001"


def test_dataframe_and_parquet(tmp_path, padded):
    df = pd.DataFrame({"well": ["A01", "B3"], "compound_id": ["X", "Y"], "concentration_uM": [1.0, None],
                       "role": ["sample", "empty"], "library": ["L1", "L2"]})
    pm = read_platemap(df, padded)
    assert list(pm.index) == ["A/01", "B/03"]  # the plate's own keys: columns matched numerically
    assert pm.loc["B/03", "column"] == "03"
    pytest.importorskip("pyarrow")
    df.to_parquet(tmp_path / "m.parquet")
    pm = read_platemap(tmp_path / "m.parquet", padded)
    assert list(pm.index) == ["A/01", "B/03"] and pm.loc["A/01", "library"] == "L1"


def test_every_problem_is_listed_with_its_line(tmp_path, sample):
    _, plate = sample
    path = write(tmp_path / "bad.csv",
                 "well,compound_id,concentration,unit,role\n"
                 "A01,DMSO,,,neg_control\n"        # line 2: fine
                 "\n"                               # line 3: blank, skipped
                 "C01,X,1,uM,sample\n"             # line 4: row C is not on a 2-row plate
                 "A01,Y,1,uM,sample\n"             # line 5: duplicate of line 2
                 "A02,Z,ten,uM,sample\n"           # line 6: not a number
                 "A03,Z,1,furlongs,sample\n"       # line 7: unknown unit
                 "B01,DMSO,,,DMSO\n"               # line 8: a compound is not a role
                 "B02,Q,-1,uM,sample\n"            # line 9: negative
                 "XYZ,Q,1,uM,sample\n"             # line 10: not a well name
                 "A09,Q,1,uM,sample\n")            # line 11: column 9 of a 3-column plate
    with pytest.raises(PlateMapError) as info:
        read_platemap(path, plate)
    err = info.value
    text = str(err)
    assert str(path) in text and isinstance(err, ValueError)
    assert len(err.problems) == 8, err.problems
    for needle in ("line 4: well C1 is not on the plate", "line 5: well A1 is listed twice (also line 2)",
                   "line 6: concentration 'ten' is not a number", "line 7: unknown concentration unit 'furlongs'",
                   "line 8: unknown role 'DMSO'", "line 9: concentration -1", "line 10: 'XYZ' is not a well name",
                   "line 11: well A9 is not on the plate"):
        assert needle in text, needle


def test_parquet_and_dataframe_errors_name_rows(sample):
    _, plate = sample
    with pytest.raises(PlateMapError, match=r"row 2: well A1 is listed twice \(also row 1\)"):
        read_platemap(pd.DataFrame({"well": ["A1", "A01"], "compound_id": ["X", "Y"]}), plate)
    with pytest.raises(PlateMapError, match="no well column"):
        read_platemap(pd.DataFrame({"compound_id": ["X"]}))


def test_well_and_row_column_must_agree(tmp_path):
    with pytest.raises(PlateMapError, match="line 2: well B03 but row 'C'"):
        read_platemap(write(tmp_path / "m.csv", "well,row,column,compound_id\nB03,C,3,X\n"))


def test_missing_file_and_unknown_type(tmp_path):
    with pytest.raises(PlateMapError, match="no such file"):
        read_platemap(tmp_path / "nope.csv")
    with pytest.raises(PlateMapError, match="unknown file type"):
        read_platemap(write(tmp_path / "m.xlsx", "x"))


def _add_root_attr(plate_path: Path, value) -> None:
    doc = json.loads((plate_path / "zarr.json").read_text())
    doc["attributes"]["platemap"] = value
    (plate_path / "zarr.json").write_text(json.dumps(doc))


def test_platemap_in_plate_attributes(tmp_path):
    path = hand_plate(tmp_path / "attrs.zarr", wells=("A/1", "B/2"), shape=(1, 16, 16), levels=("0",))
    _add_root_attr(path, [{"well": "A01", "compound_id": "X", "concentration_nM": 100, "role": "sample"},
                          {"well": "B02", "compound_id": "DMSO", "role": "neg_control"}])
    plate = ie.open_plate(path)
    pm = read_platemap(plate)
    assert pm.loc["A/1", "concentration"] == pytest.approx(0.1)
    assert pm.loc["B/2", "role"] == "neg_control"
    assert find_platemap(plate) is not None
    # columns form, with a problem: reported against the attribute
    _add_root_attr(path, {"well": ["A1", "Z9"], "compound_id": ["X", "Y"]})
    with pytest.raises(PlateMapError, match=r"(?s)attribute .platemap..*row 2: well Z9 is not on the plate"):
        read_platemap(ie.open_plate(path))


def test_platemap_in_well_attributes(tmp_path):
    path = hand_plate(tmp_path / "wattrs.zarr", wells=("A/1", "B/2"), shape=(1, 16, 16), levels=("0",))
    doc = json.loads((path / "B/2/zarr.json").read_text())
    doc["attributes"]["platemap"] = {"compound_id": "CPD-9", "concentration_uM": 3, "role": "sample"}
    (path / "B/2/zarr.json").write_text(json.dumps(doc))
    plate = ie.open_plate(path)
    pm = read_platemap(plate)
    assert list(pm.index) == ["B/2"] and pm.loc["B/2", "compound_id"] == "CPD-9"
    # no map anywhere
    bare = ie.open_plate(hand_plate(tmp_path / "bare.zarr", shape=(1, 16, 16), levels=("0",)))
    assert find_platemap(bare) is None
    with pytest.raises(PlateMapError, match="no 'platemap' attribute"):
        read_platemap(bare)
