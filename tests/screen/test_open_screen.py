"""open_screen from a folder, a list and a CSV index; a broken plate costs only itself."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import imaging_explorer as ie
from imaging_explorer.hits import analyse_plate
from imaging_explorer.platemap import read_platemap
from imaging_explorer.screen import ScreenError, screen_entries

from screen_plates import plan_readouts


def test_index_opens_every_plate_with_its_calls_and_qc(screen_folder: Path) -> None:
    screen = ie.open_screen(screen_folder / "index.csv")
    assert [p.name for p in screen.plates] == ["p1", "p2", "p3"]
    assert [p.entry.batch for p in screen.plates] == ["B1", "B1", "B2"]
    assert all(p.analysed and not p.error for p in screen.plates)
    assert [p.passed for p in screen.plates] == [True, True, False]
    assert screen.plates[2].status.startswith("failed QC: Z′")
    assert [p.name for p in screen.failed] == ["p3"]
    # the same numbers as calling the plate on its own
    _, qc = analyse_plate(plan_readouts(1, 1.0), read_platemap(screen_folder / "p1_platemap.csv"))
    assert screen.plates[0].qc is not None and screen.plates[0].qc.z_prime == pytest.approx(qc.z_prime)
    assert screen.plates[0].rows == tuple("ABCDEFGH") and len(screen.plates[0].columns) == 12


def test_qc_table_has_one_row_per_plate(screen_folder: Path) -> None:
    table = ie.open_screen(screen_folder / "index.csv").qc_table()
    assert list(table["plate"]) == ["p1", "p2", "p3"]
    assert list(table["passed"]) == [True, True, False]
    assert (table.loc[:1, "z_prime"] >= 0.5).all() and table.loc[2, "z_prime"] < 0.5
    assert list(table["date"]) == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert (table["n_neg"] > 1).all() and (table["hit_wells"] > 0).all()
    assert table["neg_cv"].between(0, 1).all()
    first = ie.open_screen(screen_folder / "index.csv").plates[0]
    assert first.compounds is not None and table.loc[0, "hit_compounds"] == int(first.compounds["is_hit"].sum())


def test_hits_across_plates_ranked_and_failed_plates_left_out(screen_folder: Path) -> None:
    screen = ie.open_screen(screen_folder / "index.csv")
    hits = screen.hits()
    assert set(hits["plate"]) == {"p1", "p2"}
    assert list(hits["screen_rank"]) == list(range(1, len(hits) + 1))
    assert np.all(np.diff(hits["activity_pct"].to_numpy()) <= 0)
    per_plate = sum(int(p.calls["hit"].sum()) for p in screen.plates[:2] if p.calls is not None)
    assert len(hits) == per_plate
    assert set(screen.hits(include_failed=True)["plate"]) == {"p1", "p2", "p3"}


def test_compounds_across_plates_agree_on_replicates(screen_folder: Path) -> None:
    compounds = ie.open_screen(screen_folder / "index.csv").compounds().set_index("compound_id")
    active = compounds.loc["CPD-001"]  # active on every plate of the sample
    assert active["n_plates"] == 2 and active["n_plates_hit"] == 2
    assert active["call_agreement"] == 1.0 and bool(active["is_hit"]) and active["rank"] >= 1
    assert active["plates"] == "p1, p2"
    inactive = compounds.loc["CPD-003"]
    assert not inactive["is_hit"] and pd.isna(inactive["rank"])
    assert compounds["call_agreement"].between(0.5, 1.0).all()


def test_folder_lists_plates_and_a_broken_one_with_its_error(screen_folder: Path, tmp_path: Path) -> None:
    for name in ("p1", "p2"):
        (tmp_path / f"{name}.zarr").symlink_to(screen_folder / f"{name}.zarr")
    broken = tmp_path / "broken.zarr"
    broken.mkdir()
    (broken / "zarr.json").write_text("{ not json", encoding="utf-8")
    (tmp_path / "notes").mkdir()  # not a plate folder: not listed
    screen = ie.open_screen(tmp_path)
    assert [p.name for p in screen.plates] == ["broken", "p1", "p2"]
    assert "JSON" in screen.plates[0].error and screen.plates[0].status.startswith("error:")
    assert [p.status for p in screen.plates[1:]] == ["not analysed", "not analysed"]  # no results beside them
    table = screen.qc_table()
    assert table.loc[0, "status"].startswith("error") and table["z_prime"].isna().all()


def test_a_list_of_locations(screen_folder: Path) -> None:
    screen = ie.open_screen([screen_folder / "p2.zarr", str(screen_folder / "p1.zarr")])
    assert [p.name for p in screen.plates] == ["p2", "p1"]


def test_default_results_beside_the_plate_are_found(screen_folder: Path, tmp_path: Path) -> None:
    """A plate analysed by `imaging-explorer analyze` has <stem>.analysis beside it: a readouts
    table stands in for the store here (the screen reads only its wells)."""
    (tmp_path / "p1.zarr").symlink_to(screen_folder / "p1.zarr")
    (tmp_path / "p1_platemap.csv").symlink_to(screen_folder / "p1_platemap.csv")
    index = tmp_path / "index.tsv"
    index.write_text("location\treadouts\np1.zarr\t" + str(screen_folder / "p1_wells.csv") + "\n", encoding="utf-8")
    plate = ie.open_screen(index).plates[0]
    assert plate.passed, plate.status  # plate map found beside the plate


def test_a_plate_map_problem_is_the_plates_error(screen_folder: Path, tmp_path: Path) -> None:
    bad_map = tmp_path / "bad_platemap.csv"
    bad_map.write_text("well,compound_id,concentration,role\nA01,X,1,sample\n", encoding="utf-8")
    index = tmp_path / "index.csv"
    index.write_text(f"plate,platemap,readouts\n{screen_folder / 'p1.zarr'},{bad_map},{screen_folder / 'p1_wells.csv'}\n"
                     f"{screen_folder / 'p2.zarr'},,{screen_folder / 'p2_wells.csv'}\n", encoding="utf-8")
    screen = ie.open_screen(index)
    assert screen.plates[0].error and "control" in screen.plates[0].error
    assert screen.plates[1].passed


@pytest.mark.parametrize(("content", "problem"), [
    ("", "empty"),
    ("location_x,batch\nfoo,1\n", "no 'plate' column"),
    ("plate,batch\n,1\n", "line 2: no plate location"),
])
def test_bad_index_is_refused_naming_the_file(tmp_path: Path, content: str, problem: str) -> None:
    index = tmp_path / "index.csv"
    index.write_text(content, encoding="utf-8")
    with pytest.raises(ScreenError, match=problem) as info:
        screen_entries(index)
    assert str(index) in str(info.value)


def test_empty_folder_and_missing_source_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ScreenError, match="no plates here"):
        ie.open_screen(tmp_path)
    with pytest.raises(ScreenError, match="no such file"):
        ie.open_screen(tmp_path / "nowhere")
    (tmp_path / "x.json").write_text(json.dumps({}), encoding="utf-8")
    with pytest.raises(ScreenError, match="not a screen index"):
        ie.open_screen(tmp_path / "x.json")


def test_plates_over_http_with_local_results(screen_folder: Path, tmp_path: Path) -> None:
    """A partner's plates on a web server, the results and plate maps on the local disk."""
    from builders import serve_folder

    with serve_folder(screen_folder) as base:
        index = tmp_path / "remote.csv"
        rows = [f"{base}/{n}.zarr,{screen_folder / f'{n}_platemap.csv'},{screen_folder / f'{n}_wells.csv'}"
                for n in ("p1", "p3")]
        index.write_text("plate,platemap,readouts\n" + "\n".join(rows) + f"\n{base}/gone.zarr,,\n", encoding="utf-8")
        screen = ie.open_screen(index)
    assert [p.name for p in screen.plates[:2]] == ["p1", "p3"]
    assert [p.passed for p in screen.plates[:2]] == [True, False]
    assert screen.plates[2].error  # a plate the server does not have costs only itself
