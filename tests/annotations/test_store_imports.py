"""Imports are checked as strictly as ``annotate``; exports are safe to open in a spreadsheet.

On SQLite and PostgreSQL (``store_url``): a hostile or careless events file is refused whole,
naming the file, the row and the problem; an undo in a file cancels only its own reviewer's
call on its own plate and well; times are bounded; CSV cells that a spreadsheet would run as a
formula are escaped on export and restored on import.
"""

from __future__ import annotations

import csv
import uuid
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from imaging_explorer.annotations import AnnotationStore, AnnotationStoreError
from imaging_explorer.annotations.exchange import escape_cell, unescape_cell

P = ("plate-1", "f00d")
Q = ("plate-2", "beef")


def _events(store, tmp_path, plate=P):
    """The plate's events as an export file reads back: every cell text."""
    out = store.export(plate, tmp_path / "events.csv")
    return pd.read_csv(out, dtype=str, keep_default_na=False)


def _row(df, **changes):
    """A copy of the first row with a new uuid and the changes."""
    row = df.iloc[[0]].copy()
    row["uuid"] = str(uuid.uuid4())
    for k, v in changes.items():
        row[k] = v
    return row


def test_rows_are_checked_as_annotate_checks_a_call(tmp_path, store_url, new_store_url):
    with AnnotationStore(store_url) as store:
        store.annotate(P, "A/1", call="hit", reviewer="ana")
        good = _events(store, tmp_path)
    soon = (datetime.now(UTC) + timedelta(hours=2)).isoformat()  # another machine's clock a little ahead
    bad = [  # (change to a good row, what the error says about it)
        ({"reviewer": "x" * 201}, "reviewer name is longer than 200 characters"),
        ({"well": "middle"}, "well 'middle' is not a well name"),
        ({"well": "A/1'; DROP TABLE plates; --"}, "well \"A/1'; DROP TABLE plates; --\" is not a well name"),
        # past year 9999 in UTC: an OverflowError before
        ({"time": "9999-12-31T23:00:00-05:00"}, "time '9999-12-31T23:00:00-05:00' is out of range"),
        # the newest call wins: this one would mask every later real call on the well
        ({"time": "2300-01-01T00:00:00Z"}, "time '2300-01-01T00:00:00+00:00' is in the future"),
        ({"time": "0001-01-01T00:00:00"}, "time '0001-01-01T00:00:00+00:00' is before 1970-01-01"),
        ({"time": "yesterday"}, "time 'yesterday' is not an ISO 8601 time"),
        ({"time": ""}, "time is empty"),
        ({"tags": "cytotoxic;explosive"}, "tag 'explosive' is not one of"),
        ({"confidence": "0"}, "confidence '0' is not one of"),
        ({"call": "=HYPERLINK(1)"}, "call '=HYPERLINK(1)' is not one of"),
    ]
    table = pd.concat([good, _row(good, time=soon), *(_row(good, **change) for change, _ in bad)])
    table.to_csv(tmp_path / "bad.csv", index=False)
    with AnnotationStore(new_store_url("b")) as other:
        with pytest.raises(ValueError) as info:
            other.import_(tmp_path / "bad.csv")
        text = str(info.value)
        assert text.startswith(f"{tmp_path / 'bad.csv'}: {len(bad)} problem(s); nothing was imported")
        # rows 1 (the good call) and 2 (a clock 2 hours ahead) are fine; each bad row is named
        for row, (_, expected) in enumerate(bad, start=3):
            assert f"row {row}: {expected}" in text
        assert "row 1:" not in text and "row 2:" not in text
        assert other.latest_event_id() == 0 and other.plates().empty
    # without the bad rows the same file imports, the skewed clock included
    pd.concat([good, _row(good, time=soon)]).to_csv(tmp_path / "ok.csv", index=False)
    with AnnotationStore(new_store_url("c")) as other:
        assert other.import_(tmp_path / "ok.csv") == 2


def test_an_imported_undo_cancels_only_its_reviewers_call_on_its_well(tmp_path, store_url, new_store_url):
    with AnnotationStore(store_url) as store:
        store.annotate(P, "A/1", call="hit", reviewer="ana")
        store.annotate(P, "A/2", call="reject", reviewer="ana")
        store.annotate(Q, "A/1", call="hit", reviewer="ana")
        store.annotate(P, "A/1", call="candidate", reviewer="ben")
        events = _events(store, tmp_path)
        before = store.current(P)[["well", "reviewer", "call"]].values.tolist()
        ana_a1 = events[(events.reviewer == "ana") & (events.well == "A/1")].iloc[[0]]
        target = ana_a1.uuid.iat[0]

        def undo(**changes):
            values = {"kind": "undo", "call": "", "confidence": "", "tags": "", "note": "", "undo_of": target}
            return _row(ana_a1, **{**values, **changes})

        attacks = {
            "mallory": undo(reviewer="mallory"),  # another reviewer cancels ana's call
            "ben": undo(reviewer="ben"),  # a reviewer of the same plate, too
            "plate": undo(plate=Q[0], fingerprint=Q[1]),  # an undo on plate-2 naming a call on plate-1
            "well": undo(well="A/2"),  # an undo on A/2 naming the call on A/1
            # the file claims the stored call is mallory's: the store's own record wins
            "lie": pd.concat([_row(ana_a1, uuid=target, reviewer="mallory"), undo(reviewer="mallory")]),
        }
        for name, table in attacks.items():
            path = tmp_path / f"{name}.csv"
            table.to_csv(path, index=False)
            with pytest.raises(AnnotationStoreError, match="an undo only cancels the same reviewer's call") as info:
                store.import_(path)
            assert str(info.value).startswith(f"{path}: 1 problem(s); nothing was imported")
            assert store.current(P)[["well", "reviewer", "call"]].values.tolist() == before
        # an undo of an undo is refused; ana's own undo of her call goes in
        own = undo()
        own.to_csv(tmp_path / "own.csv", index=False)
        assert store.import_(tmp_path / "own.csv") == 1
        undo(undo_of=own.uuid.iat[0]).to_csv(tmp_path / "twice.csv", index=False)
        with pytest.raises(AnnotationStoreError, match="which is an undo, not a call"):
            store.import_(tmp_path / "twice.csv")
        assert store.current(P)[["well", "reviewer", "call"]].values.tolist() == [
            ["A/1", "ben", "candidate"], ["A/2", "ana", "reject"]]
    # in a new store the call must come in the same file, with the same reviewer, plate and well
    with AnnotationStore(new_store_url("b")) as other:
        pd.concat([ana_a1, undo(reviewer="mallory")]).to_csv(tmp_path / "pair.csv", index=False)
        with pytest.raises(AnnotationStoreError, match="names 'ana''s call on well A/1"):
            other.import_(tmp_path / "pair.csv")
        assert other.latest_event_id() == 0


def test_a_well_spelt_two_ways_is_refused(tmp_path, store_url):
    with AnnotationStore(store_url) as store:
        store.annotate(P, "B/03", call="hit", reviewer="ana")
        events = _events(store, tmp_path)
        _row(events, well="B/3", reviewer="ben").to_csv(tmp_path / "b3.csv", index=False)
        with pytest.raises(AnnotationStoreError, match="well 'B/3' of plate 'plate-1' is spelt 'B/03'"):
            store.import_(tmp_path / "b3.csv")
        _row(events, well="B03", reviewer="ben").to_csv(tmp_path / "label.csv", index=False)
        with pytest.raises(AnnotationStoreError, match="is spelt 'B/03'"):  # B03 reads as B/3
            store.import_(tmp_path / "label.csv")
        _row(events, reviewer="ben").to_csv(tmp_path / "same.csv", index=False)
        assert store.import_(tmp_path / "same.csv") == 1


# a note as stored, and as a CSV export writes it (OWASP: a quote before = + - @ tab CR)
ESCAPED = [("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"), ("+1+2", "'+1+2"),
           ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
           ("'=already quoted", "''=already quoted"), ("''+two quotes", "'''+two quotes"),
           ("it's fine", "it's fine"), ("'quoted'", "'quoted'"), ("plain", "plain"), ("a=b", "a=b"), ("", "")]
FORMULAS = [note for note, _ in ESCAPED]


def test_csv_exports_escape_formulas_and_imports_restore_them(tmp_path, store_url, new_store_url):
    plate = ("=cmd|' /C calc'!A0", "f00d")
    with AnnotationStore(store_url) as store:
        for i, note in enumerate(FORMULAS, start=1):
            store.annotate(plate, f"A/{i}", call="hit", reviewer="@ana", note=note)
        for suffix, sep in ((".csv", ","), (".tsv", "\t")):
            out = store.export(plate, tmp_path / f"events{suffix}")
            with open(out, newline="", encoding="utf-8") as fh:
                cells = [c for row in csv.reader(fh, delimiter=sep) for c in row]
            assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
            notes = pd.read_csv(out, sep=sep, dtype=str, keep_default_na=False)["note"].tolist()
            assert notes == [written for _, written in ESCAPED]
            with AnnotationStore(new_store_url(f"copy{suffix[1:]}")) as other:
                assert other.import_(out) == len(FORMULAS)
                got = other.history(plate)
                assert got.note.tolist() == FORMULAS and set(got.reviewer) == {"@ana"}
        for what in ("current", "consensus"):
            out = store.export(plate, tmp_path / f"{what}.csv", what=what)
            assert pd.read_csv(out, dtype=str, keep_default_na=False)["plate"].iat[0] == "'" + plate[0]
        pytest.importorskip("pyarrow")
        out = store.export(plate, tmp_path / "events.parquet")  # not a spreadsheet format: verbatim
        table = pd.read_parquet(out)
        assert table.note.tolist() == FORMULAS and set(table.plate) == {plate[0]}
        with AnnotationStore(new_store_url("copyparquet")) as other:
            assert other.import_(out) == len(FORMULAS)
            assert other.history(plate).note.tolist() == FORMULAS


@given(st.text())
def test_escaping_is_undone_exactly(text):
    escaped = escape_cell(text)
    assert unescape_cell(escaped) == text
    assert escaped[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_import_of_a_missing_file_says_so(tmp_path, store_url):
    with AnnotationStore(store_url) as store, pytest.raises(ValueError, match="none.csv: no such file"):
        store.import_(tmp_path / "none.csv")
