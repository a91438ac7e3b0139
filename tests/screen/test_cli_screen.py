"""imaging-explorer screen: the QC table and the hits across plates, printed and written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from imaging_explorer.cli import main


def test_screen_prints_qc_and_writes_tables(screen_folder: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    qc, hits, compounds = tmp_path / "qc.csv", tmp_path / "hits.csv", tmp_path / "compounds.csv"
    assert main(["screen", str(screen_folder / "index.csv"), "--out", str(qc), "--hits-out", str(hits),
                 "--compounds-out", str(compounds)]) == 0
    out = capsys.readouterr().out
    assert "3 plate(s), 2 passed QC, 1 failed or unreadable" in out
    assert "p3" in out and "failed QC: Z′" in out and "(plates that failed QC left out)" in out
    table = pd.read_csv(qc)
    assert list(table["plate"]) == ["p1", "p2", "p3"] and list(table["passed"]) == [True, True, False]
    assert set(pd.read_csv(hits)["plate"]) == {"p1", "p2"}
    assert "CPD-001" in set(pd.read_csv(compounds)["compound_id"])


def test_screen_of_nothing_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "no plates here" in err


def test_screen_calls_hits_by_the_rule_given(screen_folder: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    default, strict = tmp_path / "default.csv", tmp_path / "strict.csv"
    assert main(["screen", str(screen_folder / "index.csv"), "--hits-out", str(default)]) == 0
    assert main(["screen", str(screen_folder / "index.csv"), "--hits-out", str(strict), "--min-activity", "1000"]) == 0
    capsys.readouterr()
    assert len(pd.read_csv(default)) > 0  # the same options as `imaging-explorer hits`
    assert len(pd.read_csv(strict)) == 0
