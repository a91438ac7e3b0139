"""imaging-explorer annotations summary | export | import (on SQLite and PostgreSQL: ``--db`` takes a URL)."""

from __future__ import annotations

import pandas as pd

from imaging_explorer.annotations import AnnotationStore
from imaging_explorer.cli import main

P = ("screen", "0123456789abcdef")


def _db(path):
    with AnnotationStore(path) as s:
        for well, a, b in (("A/1", "hit", "hit"), ("A/2", "reject", "reject"), ("A/3", "hit", "reject"),
                           ("B/1", "unsure", "unsure")):
            s.annotate(P, well, call=a, reviewer="ana")
            s.annotate(P, well, call=b, reviewer="ben")
    return path


def test_summary(store_url, capsys):
    db = _db(store_url)
    assert main(["annotations", "summary", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "1 plate(s) · reviewers: ana, ben" in out
    assert "plate screen · fingerprint 0123456789abcdef · 8 events · 4 wells called" in out
    assert "current calls: hit 3, candidate 0, reject 3, unsure 2" in out
    assert "ana: 4 wells (hit 2, candidate 0, reject 1, unsure 1)" in out
    assert "consensus: 3 wells agree, 1 in conflict (A/3)" in out
    # agree on 3 of 4: p_o = .75; ana h2 r1 u1, ben h1 r2 u1: p_e = (2+2+1)/16; kappa = (.75-.3125)/.6875
    assert f"Cohen's kappa {(0.75 - 0.3125) / 0.6875:.2f} over 4 wells (ana, ben)" in out
    assert main(["annotations", "summary", "--db", str(db), "--plate", "screen", "--fingerprint", "0123"]) == 0
    assert main(["annotations", "summary", "--db", str(db), "--plate", "nope"]) == 2
    assert "imaging-explorer: " in capsys.readouterr().err


def test_export_then_import(tmp_path, capsys, store_url, new_store_url):
    db = _db(store_url)
    out = tmp_path / "events.csv"
    assert main(["annotations", "export", "--db", str(db), "--plate", "screen", str(out)]) == 0
    assert len(pd.read_csv(out)) == 8
    other = new_store_url("b")
    assert main(["annotations", "import", "--db", str(other), str(out)]) == 0
    assert "8 new event(s)" in capsys.readouterr().out
    assert main(["annotations", "import", "--db", str(other), str(out)]) == 0
    assert "0 new event(s)" in capsys.readouterr().out
    assert main(["annotations", "export", "--db", str(other), "--plate", "screen", "--what", "consensus",
                 str(tmp_path / "consensus.csv")]) == 0
    assert pd.read_csv(tmp_path / "consensus.csv").conflict.tolist() == [False, False, True, False]


def test_bad_input_exits_2_with_a_message(tmp_path, capsys):
    missing = tmp_path / "none.db"
    assert main(["annotations", "summary", "--db", str(missing)]) == 2
    assert f"imaging-explorer: error: {missing}: no annotation database here" in capsys.readouterr().err
    assert not missing.exists()  # summary and export never create a database
    db = _db(tmp_path / "a.db")
    assert main(["annotations", "export", "--db", str(db), "--plate", "screen", str(tmp_path / "x.xlsx")]) == 2
    assert "unknown file type" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("uuid,plate\n1,2\n")
    assert main(["annotations", "import", "--db", str(db), str(bad)]) == 2
    assert "not an annotation event export" in capsys.readouterr().err
    junk = tmp_path / "junk.db"
    junk.write_text("not sqlite")
    assert main(["annotations", "summary", "--db", str(junk)]) == 2
    assert "not a SQLite database" in capsys.readouterr().err
