"""`imaging-explorer hits` end to end on a small analysed sample plate: the QC printed, one row per
well and per compound written, the plate map found beside the plate or given, a readouts table
instead of a store, and every bad input one error line."""

from __future__ import annotations

import pandas as pd
import pytest

import imaging_explorer as ie
from imaging_explorer.cli import main
from imaging_explorer.cli_hits import WELL_COLUMNS


@pytest.fixture(scope="module")
def analysed(analysed_sample):
    return analysed_sample.made, analysed_sample.results


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("imaging-explorer: error: ")
    return err


def test_store_in_hits_out(analysed, capsys):
    made, results = analysed
    assert main(["hits", str(results.folder)]) == 0
    out = capsys.readouterr().out
    assert "Plate QC of infected_fraction: 8 negative, 8 positive control wells" in out and "Z′ " in out
    wells = pd.read_csv(results.folder / "hits.csv")
    assert list(wells.columns[:len(WELL_COLUMNS)]) == list(WELL_COLUMNS)
    assert len(wells) == 96 and wells["well"].iloc[0] == "A01"  # every well of the plate map, named as the map
    platemap = pd.read_csv(made.platemap).set_index("well")
    assert (wells.set_index("well")["compound_id"].fillna("") == platemap["compound_id"].fillna("")).all()
    neg = wells[wells["role"] == "neg_control"]["activity_pct"]
    pos = wells[wells["role"] == "pos_control"]["activity_pct"]
    assert abs(neg.mean()) < 1e-6 and abs(pos.mean() - 100) < 1e-6  # NPI: 0 % and 100 % at the controls' means
    hits = wells[wells["hit"]]
    assert (hits["activity_pct"] >= 50).all() and (hits["viability_pct"] >= 50).all() and (hits["role"] == "sample").all()
    truth = pd.read_csv(made.truth).groupby("well")["is_hit"].first()
    assert hits["well"].isin(truth[truth].index).mean() >= 0.75  # small fields (192 px, 1 a well): a little noisy
    compounds = pd.read_csv(results.folder / "hits_compounds.csv")
    active = set(platemap.loc[truth[truth].index, "compound_id"])
    assert active <= set(compounds.dropna(subset=["rank"])["compound_id"])  # every active compound is ranked
    assert {"compound_id", "ic50_um", "cc50_um", "selectivity_index", "rank", "flags"} <= set(compounds.columns)
    ranked = compounds.dropna(subset=["rank"]).sort_values("rank")
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1)) and ranked["is_hit"].all()
    assert f"{len(ranked)} hit compound(s) of {len(compounds)}" in out


def test_a_table_and_a_plate_map_given(analysed, tmp_path, capsys):
    made, results = analysed
    table = results.wells.assign(well=[w.replace("/", "") for w in results.wells["well"]])  # "B3"
    table.to_csv(tmp_path / "wells.csv", index=False)
    assert main(["hits", str(tmp_path / "wells.csv"), "--platemap", str(made.platemap), "--min-activity", "90",
                 "--viability-readout", "none"]) == 0
    out = capsys.readouterr().out
    assert "activity (infected_fraction) ≥ 90 %" in out and "viability" not in out.splitlines()[0]
    written = pd.read_csv(tmp_path / "wells_hits.csv")
    assert (written.loc[written["hit"], "activity_pct"] >= 90).all()
    assert main(["hits", str(results.folder), "--out", str(tmp_path / "default.csv")]) == 0
    default = pd.read_csv(tmp_path / "default.csv")
    assert written["hit"].sum() <= default["hit"].sum()  # a stricter rule calls no more wells than the default one


def test_bad_inputs_are_one_line_each(analysed, tmp_path, capsys):
    made, results = analysed
    assert "no such file or folder" in _error(capsys, ["hits", str(tmp_path / "none")])
    (tmp_path / "notes.txt").write_text("x")
    assert "not a readouts table" in _error(capsys, ["hits", str(tmp_path / "notes.txt")])
    pd.DataFrame({"plate_well": ["A01"], "x": [1]}).to_csv(tmp_path / "nowell.csv", index=False)
    assert "no 'well' column" in _error(capsys, ["hits", str(tmp_path / "nowell.csv")])
    results.wells.to_csv(tmp_path / "w.csv", index=False)
    line = _error(capsys, ["hits", str(tmp_path / "w.csv")])
    assert "no plate map found" in line and "--platemap" in line
    no_controls = pd.read_csv(made.platemap).assign(role="sample")
    no_controls.to_csv(tmp_path / "map.csv", index=False)
    line = _error(capsys, ["hits", str(results.folder), "--platemap", str(tmp_path / "map.csv"),
                           "--out", str(tmp_path / "h.csv")])
    assert "wells.parquet" in line and "control" in line
    assert not (tmp_path / "h.csv").exists()  # nothing half-written
    line = _error(capsys, ["hits", str(results.folder), "--readout", "no_such_column", "--out", str(tmp_path / "h.csv")])
    assert "no_such_column" in line


def test_napari_calls_the_same_hits_as_the_cli(analysed, capsys):
    """The browser's hit calling (its per-well table and the plate map found with the plate) and
    `imaging-explorer hits` give the same calls, activities and compound ranks."""
    from imaging_explorer._napari.browser.analysis_view import well_table
    from imaging_explorer._napari.browser.plate_hits import call_plate
    from imaging_explorer.platemap import find_platemap

    made, results = analysed
    assert main(["hits", str(results.folder)]) == 0
    capsys.readouterr()
    cli_wells = pd.read_csv(results.folder / "hits.csv").set_index("well")
    cli_compounds = pd.read_csv(results.folder / "hits_compounds.csv").set_index("compound_id")
    plate = ie.open_plate(str(made.plate))
    outcome = call_plate(well_table(results), find_platemap(plate), None, "napari", results)  # with its fields
    assert outcome.error == ""
    names = {key: f"{r}{int(c):02d}" for key, r, c in zip(outcome.wells.index, outcome.wells["row"],
                                                          outcome.wells["column"])}
    ours = outcome.wells.rename(index=names)
    assert ours["hit"].astype(bool).to_dict() == cli_wells["hit"].astype(bool).to_dict()
    pd.testing.assert_series_equal(ours["activity_pct"], cli_wells["activity_pct"].reindex(ours.index),
                                   check_names=False, check_index_type=False, rtol=1e-9)
    theirs = cli_compounds["rank"].dropna().astype(int).to_dict()
    assert outcome.compounds.set_index("compound_id")["rank"].dropna().astype(int).to_dict() == theirs


def test_image_qc_options_flag_fields_and_say_which(analysed, tmp_path, capsys):
    _, results = analysed
    with pytest.raises(SystemExit):
        main(["hits", "--help"])
    usage = capsys.readouterr().out
    for option, default in (("--focus-min-ratio", "default 0.5"), ("--saturated-max", "default 0.05"),
                            ("--min-signal", "default 0.5"), ("--min-control-nuclei", "default 1")):
        assert option in usage and default in usage.split(option, 2)[-1][:250]
    assert main(["hits", str(results.folder), "--out", str(tmp_path / "default.csv")]) == 0
    default_out = capsys.readouterr().out
    assert "field QC: focus ≥ 0.5 × the plate's median" in default_out
    assert main(["hits", str(results.folder), "--focus-min-ratio", "0.95", "--out", str(tmp_path / "strict.csv")]) == 0
    out = capsys.readouterr().out
    strict = pd.read_csv(tmp_path / "strict.csv")
    flagged = int(strict["fields_flagged"].sum())
    assert flagged > 5  # about half the fields are below 0.95 of the median
    assert f"Image QC: {flagged} of {len(results.fields)} field(s) flagged" in out and "out of focus (0." in out
    assert f"… and {flagged - 5} more (the field_flags column)" in out
    blurred = strict[strict["fields_flagged"] == 1]
    assert blurred["field_flags"].str.startswith("field 1: out of focus (").all()
    assert blurred["qc_flag"].str.startswith("the field flagged: out of focus").all() and not blurred["hit"].any()
    with pytest.raises(SystemExit) as stopped:  # argparse's own usage error
        main(["hits", str(results.folder), "--saturated-max", "-1"])
    assert stopped.value.code == 2
    assert "argument --saturated-max: must be a number >= 0, got '-1'" in capsys.readouterr().err
