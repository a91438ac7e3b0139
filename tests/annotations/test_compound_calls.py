"""Calls on compounds (schema version 2): call, history, undo, consensus, a restart, append-only, files.

On SQLite and PostgreSQL (``store_url``, tests/conftest.py), as the well-call tests.
"""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from imaging_explorer.annotations import AnnotationStore, AnnotationStoreError

P = ("plate-1", "f00d")

try:
    import psycopg

    _DB_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, psycopg.Error)
except ImportError:  # no driver: the PostgreSQL tests are skipped
    _DB_ERRORS = (sqlite3.DatabaseError,)


@pytest.fixture
def store(store_url):
    s = AnnotationStore(store_url)
    yield s
    s.close()


def _other_program(url: str, sql: str) -> None:
    """Run one statement on the store's database through another program's connection."""
    if url.startswith("postgresql://"):
        with psycopg.connect(url) as con:
            con.execute(sql)
    else:
        con = sqlite3.connect(url)
        try:
            con.execute(sql)
            con.commit()
        finally:
            con.close()


def test_compound_call_history_undo(store):
    assert store.has_compound_calls and store.compound_history(P).empty and store.compound_current(P).empty
    a1 = store.annotate_compound(P, "CPD-001", call="candidate", reviewer="ana")
    a2 = store.annotate_compound(P, " CPD-001 ", call="hit", reviewer="ana", confidence=4,
                                 tags=["cytotoxic"], note="IC50 3 µM")
    b1 = store.annotate_compound(P, "CPD-001", call="reject", reviewer="ben")
    assert a1 < a2 < b1
    h = store.compound_history(P, "CPD-001")
    assert list(h.columns) == ["event_id", "uuid", "compound", "reviewer", "kind", "call", "confidence", "tags",
                               "note", "time", "undo_of", "undone"]
    assert h[["compound", "reviewer", "call"]].values.tolist() == [
        ["CPD-001", "ana", "candidate"], ["CPD-001", "ana", "hit"], ["CPD-001", "ben", "reject"]]
    assert h.time.is_monotonic_increasing and str(h.time.dt.tz) == "UTC"
    cur = store.compound_current(P)
    assert list(cur.columns) == ["compound", "reviewer", "call", "confidence", "tags", "note", "time", "event_id",
                                 "uuid"]
    ana = cur.set_index("reviewer").loc["ana"]
    assert (ana.call, ana.confidence, ana.tags, ana.note, ana.event_id) == ("hit", 4, ["cytotoxic"], "IC50 3 µM", a2)

    u1 = store.undo_compound(P, "CPD-001", "ana")  # back to the call before
    assert u1 > b1 and store.latest_compound_event_id(P) == u1 == store.latest_compound_event_id()
    assert store.compound_current(P).set_index("reviewer").loc["ana", "call"] == "candidate"
    store.undo_compound(P, "CPD-001", "ana")
    assert list(store.compound_current(P).reviewer) == ["ben"]
    assert store.undo_compound(P, "CPD-001", "ana") is None  # nothing left to undo
    assert store.undo_compound(P, "CPD-999", "ben") is None
    assert store.undo_compound(("other", "x"), "CPD-001", "ben") is None
    h = store.compound_history(P)
    assert list(h.kind) == ["call", "call", "call", "undo", "undo"]
    assert list(h.undone) == [True, True, False, False, False]
    assert h.undo_of.iloc[3] == h.uuid.iloc[1] and h.undo_of.iloc[4] == h.uuid.iloc[0]
    # well calls are another matter: none were made
    assert store.history(P).empty and store.current(P).empty and store.latest_event_id(P) == 0


def test_compound_and_well_calls_are_kept_apart(store):
    store.annotate(P, "A/1", call="hit", reviewer="ana")
    store.annotate_compound(P, "A/1", call="reject", reviewer="ana")  # a compound may be called anything
    assert store.current(P).call.tolist() == ["hit"]
    assert store.compound_current(P).call.tolist() == ["reject"]
    store.undo_compound(P, "A/1", "ana")
    assert store.current(P).call.tolist() == ["hit"] and store.compound_current(P).empty
    assert store.plates()[["name", "events"]].values.tolist() == [["plate-1", 1]]  # well events, as before


def test_compound_consensus_follows_the_well_rule(store):
    calls = {"CPD-1": ("hit", "hit", "reject"), "CPD-2": ("hit", "reject", None), "CPD-3": ("unsure", None, None)}
    for compound, per in calls.items():
        for reviewer, call in zip(("ana", "ben", "cy"), per):
            if call:
                store.annotate_compound(P, compound, call=call, reviewer=reviewer)
    c = store.compound_consensus(P)
    assert c.index.name == "compound" and list(c.index) == ["CPD-1", "CPD-2", "CPD-3"]
    assert list(c.columns) == ["call", "n_reviewers", "n_hit", "n_candidate", "n_reject", "n_unsure", "agreement",
                               "conflict", "tie"]
    assert c.loc["CPD-1", "call"] == "hit" and c.loc["CPD-1", "n_reviewers"] == 3 and bool(c.loc["CPD-1", "conflict"])
    assert c.loc["CPD-1", "agreement"] == pytest.approx(2 / 3)
    assert pd.isna(c.loc["CPD-2", "call"]) and bool(c.loc["CPD-2", "tie"])
    assert c.loc["CPD-3", "call"] == "unsure" and not bool(c.loc["CPD-3", "conflict"])
    assert store.compound_consensus(("empty", "plate")).empty


def test_compound_calls_survive_a_restart(store_url):
    with AnnotationStore(store_url) as s:
        first = s.annotate_compound(P, "CPD-1", call="hit", reviewer="ana", tags=["precipitate"])
        s.annotate_compound(P, "CPD-2", call="reject", reviewer="ana")
        s.undo_compound(P, "CPD-2", "ana")
    with AnnotationStore(store_url) as s:  # a restart
        cur = s.compound_current(P)
        assert cur[["compound", "call", "event_id"]].values.tolist() == [["CPD-1", "hit", first]]
        assert cur.tags.iloc[0] == ["precipitate"] and len(s.compound_history(P)) == 3
        assert s.compound_history("plate-1", "CPD-2").kind.tolist() == ["call", "undo"]  # by plate name too


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"compound": ""}, "compound must be a non-empty compound id"),
        ({"compound": "   "}, "compound must be a non-empty compound id"),
        ({"compound": None}, "compound must be a non-empty compound id, got None"),
        ({"compound": "C" * 201}, "compound id is longer than 200 characters"),
        ({"call": "maybe"}, "call 'maybe' is not one of hit, candidate, reject, unsure"),
        ({"confidence": 6}, "confidence 6 is not one of"),
        ({"tags": ["blurry"]}, "tag 'blurry' is not one of"),
        ({"reviewer": ""}, "reviewer must be a non-empty name"),
    ],
)
def test_bad_compound_calls_are_refused(store, kwargs, message):
    args = {"compound": "CPD-1", "call": "hit", "reviewer": "ana", **kwargs}
    compound = args.pop("compound")
    with pytest.raises(ValueError, match=message):
        store.annotate_compound(P, compound, **args)
    assert store.compound_history(P).empty
    with pytest.raises(ValueError, match="plate must be a Plate or a"):
        store.annotate_compound("just-a-name", "CPD-1", call="hit", reviewer="ana")


def test_compound_events_are_append_only(store, store_url):
    store.annotate_compound(P, "CPD-1", call="hit", reviewer="ana")
    statements = ["UPDATE compound_events SET call = 'reject'", "DELETE FROM compound_events"]
    if store.backend == "postgresql":  # TRUNCATE fires no row trigger
        statements += ["TRUNCATE compound_events", "TRUNCATE plates CASCADE"]
    for sql in statements:
        with pytest.raises(_DB_ERRORS, match="append-only"):
            _other_program(store_url, sql)
    assert store.compound_current(P).call.tolist() == ["hit"]


def test_read_only_store_reads_compound_calls_and_refuses_new_ones(store_url):
    with AnnotationStore(store_url) as s:
        s.annotate_compound(P, "CPD-1", call="hit", reviewer="ana")
    with AnnotationStore(store_url, read_only=True) as s:
        assert s.compound_current(P).call.tolist() == ["hit"]
        with pytest.raises(AnnotationStoreError, match="read-only"):
            s.annotate_compound(P, "CPD-1", call="reject", reviewer="ana")
        with pytest.raises(AnnotationStoreError, match="read-only"):
            s.undo_compound(P, "CPD-1", "ana")


def _reviewed(store):
    store.annotate(P, "A/1", call="hit", reviewer="ana")
    store.annotate(P, "A/2", call="reject", reviewer="ben")
    store.annotate_compound(P, "CPD-1", call="hit", reviewer="ana", confidence=5, tags=["cytotoxic", "other"],
                            note="=looks real")  # a formula-like note survives CSV
    store.annotate_compound(P, "CPD-1", call="candidate", reviewer="ben")
    store.annotate_compound(P, "-CPD-2", call="reject", reviewer="ana")
    store.undo_compound(P, "-CPD-2", "ana")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_import_round_trip_with_compound_events(tmp_path, store, new_store_url, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    _reviewed(store)
    out = store.export(P, tmp_path / f"events{suffix}")
    df = pd.read_csv(out, dtype=str, keep_default_na=False) if suffix == ".csv" else pd.read_parquet(out)
    assert len(df) == len(store.history(P)) + len(store.compound_history(P)) == 6
    assert list(df.columns)[-1] == "compound"
    with AnnotationStore(new_store_url("copy")) as other:
        assert other.import_(out) == 6
        assert other.import_(out) == 0  # idempotent by uuid
        cols = ["compound", "reviewer", "call", "confidence", "tags", "note", "uuid"]
        mine, theirs = store.compound_current(P), other.compound_current(P)
        assert mine[cols].to_dict("records") == theirs[cols].to_dict("records")
        assert (mine.time == theirs.time).all() and theirs.note.tolist() == ["=looks real", ""]
        assert other.compound_history(P).undone.tolist() == store.compound_history(P).undone.tolist()
        assert other.current(P)[["well", "call"]].values.tolist() == [["A/1", "hit"], ["A/2", "reject"]]
        # new compound calls in the source: a second export brings only those
        store.annotate_compound(P, "CPD-1", call="unsure", reviewer="dan")
        store.export(P, out)
        assert other.import_(out) == 1
        assert other.compound_consensus(P).loc["CPD-1", "n_reviewers"] == 3


def test_older_exports_without_a_compound_column_still_import(tmp_path, store, new_store_url):
    store.annotate(P, "A/1", call="hit", reviewer="ana")
    store.undo(P, "A/1", "ana")
    store.annotate(P, "A/2", call="reject", reviewer="ana")
    df = pd.read_csv(store.export(P, tmp_path / "events.csv"), dtype=str, keep_default_na=False)
    old = tmp_path / "v1.csv"
    df.drop(columns=["compound"]).to_csv(old, index=False)  # what version 1 wrote
    with AnnotationStore(new_store_url("old")) as other:
        assert other.import_(old) == 3 and other.import_(old) == 0
        assert other.current(P).well.tolist() == ["A/2"] and other.compound_history(P).empty


def test_bad_compound_rows_are_refused_whole(tmp_path, store, new_store_url):
    store.annotate_compound(P, "CPD-1", call="hit", reviewer="ana")
    store.annotate_compound(P, "CPD-2", call="hit", reviewer="ben")
    df = pd.read_csv(store.export(P, tmp_path / "events.csv"), dtype=str, keep_default_na=False)
    both = df.copy()
    both.loc[0, "well"] = "A/1"  # a row about a well and a compound at once
    both.to_csv(tmp_path / "both.csv", index=False)
    with AnnotationStore(new_store_url("b")) as other:
        with pytest.raises(ValueError, match="row 1: a row names both a well .* and a compound 'CPD-1'"):
            other.import_(tmp_path / "both.csv")
        # ben's undo of ana's compound call is refused; so is an undo of a compound call as a well's
        undo = df.iloc[[1]].copy()
        undo["uuid"], undo["kind"], undo["call"], undo["undo_of"] = (
            "4c3f7a3e-4f7e-4d53-9d3e-2b7a5f0c0009", "undo", "", df.loc[0, "uuid"])
        pd.concat([df, undo]).to_csv(tmp_path / "undo.csv", index=False)
        with pytest.raises(AnnotationStoreError, match="undo by 'ben' of compound CPD-2 .* names 'ana''s call on "
                                                       "compound CPD-1"):
            other.import_(tmp_path / "undo.csv")
        as_well = undo.assign(reviewer="ana", compound="", well="A/1")
        pd.concat([df, as_well]).to_csv(tmp_path / "as_well.csv", index=False)
        with pytest.raises(AnnotationStoreError, match="of well A/1 .* call on compound CPD-1"):
            other.import_(tmp_path / "as_well.csv")
        assert other.compound_history(P).empty and other.history(P).empty


def test_summary_lists_compound_calls(store):
    from imaging_explorer.annotations.report import summary_lines

    store.annotate(P, "A/1", call="hit", reviewer="ana")
    before = summary_lines(store)
    assert not any("compound calls" in line for line in before[1:])  # none yet: the summary as before
    store.annotate_compound(P, "CPD-1", call="hit", reviewer="ana")
    store.annotate_compound(P, "CPD-1", call="reject", reviewer="ben")
    store.annotate_compound(P, "CPD-2", call="hit", reviewer="ben")
    lines = summary_lines(store)
    assert lines[-1] == "  compound calls: 2 compounds (hit 2, candidate 0, reject 1, unsure 0), 1 in conflict (CPD-1)"
    assert lines[1:-1] == before[1:]
