"""AnnotationStore: calls, undo, history, plate identity, export/import, consensus, kappa.

Tests of the store's behaviour take ``store``/``store_url`` and run on SQLite and on PostgreSQL
(tests/conftest.py); those about SQLite itself take a file in ``tmp_path``.
"""

from __future__ import annotations

import shutil
import sqlite3
import warnings
from datetime import UTC

import pandas as pd
import pytest

import imaging_explorer as ie
from imaging_explorer.annotations import CALLS, SCHEMA_VERSION, TAGS, AnnotationStore, AnnotationStoreError

P = ("plate-1", "f00d")  # a plate given as (name, fingerprint)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    out = ie.make_sample_plate(tmp_path_factory.mktemp("ann") / "screen.zarr", rows=2, columns=3, fields=1, size=64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return out, ie.open_plate(out.plate)


@pytest.fixture
def store(store_url):
    s = AnnotationStore(store_url)
    yield s
    s.close()


try:
    import psycopg

    _DB_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, psycopg.Error)
except ImportError:  # no driver: the PostgreSQL tests are skipped
    _DB_ERRORS = (sqlite3.DatabaseError,)


def _other_program(url: str, sql: str) -> None:
    """Run one statement on the store's database through a connection of another program."""
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


def test_sqlite_settings(tmp_path):
    store = AnnotationStore(tmp_path / "a.db")
    assert not store.read_only and store.backend == "sqlite"
    con = sqlite3.connect(store.path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # one row per applied migration: a new database goes through each in turn
        assert con.execute("SELECT version FROM schema_version ORDER BY version").fetchall() == [
            (v,) for v in range(1, SCHEMA_VERSION + 1)]
    finally:
        con.close()
    with store._engine.connect() as conn:  # every pooled connection: full sync, waits on locks
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


def test_annotate_current_undo_history(store):
    a1 = store.annotate(P, "B/3", call="reject", reviewer="ana")
    a2 = store.annotate(P, "B/3", call="hit", reviewer="ana", confidence=4, tags=["cytotoxic", "Out of focus"],
                        note="bright spots")
    b1 = store.annotate(P, "B/3", call="candidate", reviewer="ben")
    assert a1 < a2 < b1
    cur = store.current(P)
    assert list(cur.columns) == ["well", "reviewer", "call", "confidence", "tags", "note", "time", "event_id", "uuid"]
    ana = cur[cur.reviewer == "ana"].iloc[0]
    assert (ana.call, ana.confidence, ana.tags, ana.note, ana.event_id) == (
        "hit", 4, ["cytotoxic", "out_of_focus"], "bright spots", a2)
    assert ana.time.tzinfo is not None and ana.time.utcoffset().total_seconds() == 0

    u1 = store.undo(P, "B/3", "ana")  # back to the previous call
    assert u1 > b1
    assert store.current(P).set_index("reviewer").loc["ana", "call"] == "reject"
    store.undo(P, "B/3", "ana")  # and further back: no call left
    assert list(store.current(P).reviewer) == ["ben"]
    assert store.undo(P, "B/3", "ana") is None  # nothing left to undo
    assert store.undo(P, "A/1", "nobody") is None
    assert store.undo(("other", "x"), "A/1", "ana") is None

    h = store.history(P)
    assert list(h.kind) == ["call", "call", "call", "undo", "undo"]
    assert list(h.undone) == [True, True, False, False, False]
    assert h.undo_of.iloc[3] == h.uuid.iloc[1] and h.undo_of.iloc[4] == h.uuid.iloc[0]
    assert len(store.history(P, well="B03")) == 5 and store.history(P, well="A/1").empty
    # a new call after undos is simply the current one again
    store.annotate(P, "B/3", call="unsure", reviewer="ana")
    assert store.current(P).set_index("reviewer").loc["ana", "call"] == "unsure"
    assert store.latest_event_id(P) == store.history(P).event_id.max() == store.latest_event_id()


def test_calls_survive_reopening(store_url):
    with AnnotationStore(store_url) as s:
        s.annotate(P, "A/1", call="hit", reviewer="ana")
        s.annotate(P, "A/2", call="reject", reviewer="ana")
        s.undo(P, "A/2", "ana")
    with AnnotationStore(store_url) as s:  # a restart
        assert list(s.current(P).well) == ["A/1"]
        assert len(s.history(P)) == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"call": "maybe"}, "call 'maybe' is not one of hit, candidate, reject, unsure"),
        ({"call": None}, "call None is not one of"),
        ({"tags": ["cytotoxic", "blurry"]}, "tag 'blurry' is not one of cytotoxic, artifact, out_of_focus"),
        ({"confidence": 0}, "confidence 0 is not one of 1, 2, 3, 4, 5"),
        ({"confidence": 6}, "confidence 6"),
        ({"confidence": 2.5}, "confidence 2.5"),
        ({"confidence": True}, "confidence True"),
        ({"confidence": "3"}, "confidence '3'"),
        ({"reviewer": "  "}, "reviewer must be a non-empty name"),
    ],
)
def test_bad_values_name_the_value_and_the_allowed_set(store, kwargs, message):
    args = {"call": "hit", "reviewer": "ana", **kwargs}
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        store.annotate(P, "A/1", **args)
    assert store.history(P).empty  # nothing written


def test_values_are_normalised(store):
    store.annotate(P, "b03", call=" Hit ", reviewer=" ana ", tags="artifact", confidence=3.0)
    row = store.current(P).iloc[0]
    assert (row.well, row.call, row.reviewer, row.tags, row.confidence) == ("B/3", "hit", "ana", ["artifact"], 3)
    with pytest.raises(ValueError, match="not a well name"):
        store.annotate(P, "middle", call="hit", reviewer="ana")
    with pytest.raises(ValueError, match="plate must be a Plate or a"):
        store.annotate("just-a-name", "A/1", call="hit", reviewer="ana")
    assert set(CALLS) == {"hit", "candidate", "reject", "unsure"} and "precipitate" in TAGS


def test_wells_are_checked_against_a_plate_and_identity_survives_a_move(store, sample, tmp_path):
    _, plate = sample
    assert store.annotate(plate, "B03", call="hit", reviewer="ana")  # the plate's key is B/3
    assert list(store.current(plate).well) == ["B/3"]
    with pytest.raises(ValueError, match=r"well 'C/1' is not on plate 'screen'"):
        store.annotate(plate, "C/1", call="hit", reviewer="ana")
    # the same plate in another folder is the same plate
    moved = shutil.copytree(plate.location, tmp_path / "elsewhere" / "screen.zarr")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = ie.open_plate(moved)
    assert again.fingerprint == plate.fingerprint and again.location != plate.location
    assert list(store.current(again).well) == ["B/3"]
    assert list(store.current((plate.name, plate.fingerprint)).well) == ["B/3"]
    assert list(store.current("screen").well) == ["B/3"]  # reading by name when unambiguous
    p = store.plates()
    assert p[["name", "fingerprint", "events", "wells", "reviewers"]].values.tolist() == [
        ["screen", plate.fingerprint, 1, 1, 1]]
    assert p.location.iloc[0] == plate.location


def test_find_plate_by_name(store):
    store.annotate(("p", "aaa111"), "A/1", call="hit", reviewer="ana")
    store.annotate(("p", "bbb222"), "A/1", call="hit", reviewer="ana")
    with pytest.raises(AnnotationStoreError, match="2 plates are named 'p'"):
        store.find_plate("p")
    assert store.find_plate("p", "bbb") == ("p", "bbb222")
    with pytest.raises(AnnotationStoreError, match="no plate named 'q'"):
        store.find_plate("q")
    assert store.reviewers() == ["ana"]


def test_events_are_append_only(store, store_url):
    store.annotate(P, "A/1", call="hit", reviewer="ana")
    statements = ["UPDATE annotation_events SET call = 'reject'", "DELETE FROM annotation_events"]
    if store.backend == "postgresql":  # TRUNCATE fires no row trigger
        statements.append("TRUNCATE annotation_events CASCADE")
    for sql in statements:
        with pytest.raises(_DB_ERRORS, match="append-only"):
            _other_program(store_url, sql)
    assert store.current(P).call.tolist() == ["hit"]


def _reviewed(store):
    """Three reviewers on four wells, with an undo in between."""
    calls = {"A/1": ("hit", "hit", "hit"), "A/2": ("hit", "reject", "hit"), "A/3": ("reject", "reject", "reject"),
             "B/1": ("unsure", "candidate", None)}
    for well, per in calls.items():
        for reviewer, call in zip(("ana", "ben", "cy"), per):
            if call:
                store.annotate(P, well, call=call, reviewer=reviewer, confidence=3, tags=["other"])
    store.annotate(P, "A/3", call="hit", reviewer="cy", note="oops")
    store.undo(P, "A/3", "cy")


def test_consensus_and_agreement(store):
    _reviewed(store)
    c = store.consensus(P)
    assert list(c.index) == ["A/1", "A/2", "A/3", "B/1"]
    assert c.loc["A/2", "call"] == "hit" and c.loc["A/2", "n_reviewers"] == 3 and bool(c.loc["A/2", "conflict"])
    assert c.loc["A/3", "call"] == "reject" and not bool(c.loc["A/3", "conflict"])
    assert pd.isna(c.loc["B/1", "call"]) and bool(c.loc["B/1", "tie"])
    a = store.agreement(P)
    # Fleiss over A/1..A/3 (B/1 lacks cy): counts hit/reject = (3,0), (2,1), (0,3)
    # P_bar = (1 + 1/3 + 1)/3 = 7/9, p = (5/9, 4/9): P_e = 41/81, kappa = 0.55
    assert a["method"] == "fleiss" and a["n_wells"] == 3 and a["kappa"] == pytest.approx(0.55)
    assert a["pairwise"][("ana", "ben")]["n_wells"] == 4


def test_export_import_round_trip_is_idempotent(tmp_path, store, new_store_url):
    _reviewed(store)
    for suffix in (".csv", ".parquet"):
        if suffix == ".parquet":
            pytest.importorskip("pyarrow")
        out = store.export(P, tmp_path / f"events{suffix}")
        df = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
        assert len(df) == len(store.history(P)) and {"uuid", "kind", "undo_of", "time"} <= set(df.columns)
        with AnnotationStore(new_store_url(f"copy{suffix[1:]}")) as other:
            assert other.import_(out) == len(df)
            assert other.import_(out) == 0  # the same file again adds nothing
            mine, theirs = store.current(P), other.current(P)
            cols = ["well", "reviewer", "call", "confidence", "tags", "note", "uuid"]
            assert mine[cols].to_dict("records") == theirs[cols].to_dict("records")
            assert (mine.time == theirs.time).all()
            assert other.history(P).undone.tolist() == store.history(P).undone.tolist()
            # new calls in the source: a second export brings only those
            store.annotate(P, "A/1", call="reject", reviewer="dan")
            store.export(P, out)
            assert other.import_(out) == 1
            assert other.agreement(P)["reviewers"] == ["ana", "ben", "cy", "dan"]


def test_export_current_and_consensus_with_the_plate_map(tmp_path, store, sample):
    out, plate = sample
    store.save_platemap(plate, ie.read_platemap(out.platemap, plate))
    store.annotate(plate, "A/2", call="hit", reviewer="ana", tags=["cytotoxic", "artifact"])
    store.annotate(plate, "A/2", call="candidate", reviewer="ben")
    pm = store.platemap(plate)
    assert pm.loc["A/2", "compound_id"] == "CPD-001" and str(out.platemap) in pm.attrs["source"]
    cur = pd.read_csv(store.export(plate, tmp_path / "current.csv", what="current"))
    assert cur[["well", "reviewer", "call", "compound_id", "concentration", "role"]].values.tolist() == [
        ["A/2", "ana", "hit", "CPD-001", 30.0, "sample"], ["A/2", "ben", "candidate", "CPD-001", 30.0, "sample"]]
    assert cur.tags.fillna("").tolist() == ["cytotoxic;artifact", ""]
    con = pd.read_csv(store.export(plate, tmp_path / "consensus.tsv", what="consensus"), sep="\t")
    assert con.loc[0, "well"] == "A/2" and bool(con.loc[0, "conflict"]) and con.loc[0, "compound_id"] == "CPD-001"
    with pytest.raises(ValueError, match="only event exports can be imported"):
        store.import_(tmp_path / "current.csv")
    with pytest.raises(ValueError, match="unknown file type"):
        store.export(plate, tmp_path / "x.xlsx")
    with pytest.raises(ValueError, match="what='everything'"):
        store.export(plate, tmp_path / "x.csv", what="everything")


def test_bad_import_files_are_refused_whole(tmp_path, store, new_store_url):
    store.annotate(P, "A/1", call="hit", reviewer="ana")
    good = store.export(P, tmp_path / "good.csv")
    df = pd.read_csv(good, dtype=str, keep_default_na=False)
    extra = df.iloc[[0, 0, 0]].copy()
    extra["uuid"] = ["not-a-uuid", "4c3f7a3e-4f7e-4d53-9d3e-2b7a5f0c0001", "4c3f7a3e-4f7e-4d53-9d3e-2b7a5f0c0002"]
    extra["call"] = ["hit", "great", "hit"]
    extra["confidence"] = ["", "", "9"]
    bad = pd.concat([df, extra])
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with AnnotationStore(new_store_url("b")) as other:
        with pytest.raises(ValueError) as info:
            other.import_(tmp_path / "bad.csv")
        text = str(info.value)
        assert "3 problem(s); nothing was imported" in text
        assert "row 2: uuid 'not-a-uuid' is not a UUID" in text and "row 3: call 'great'" in text
        assert "row 4: confidence '9'" in text
        assert other.history(P).empty
        # an undo whose call is nowhere
        undo = df.copy()
        undo["kind"], undo["call"], undo["undo_of"] = "undo", "", "4c3f7a3e-4f7e-4d53-9d3e-2b7a5f0c0003"
        undo.to_csv(tmp_path / "undo.csv", index=False)
        with pytest.raises(AnnotationStoreError, match="a call that is neither in the file nor in the store"):
            other.import_(tmp_path / "undo.csv")
        assert other.history(P).empty


def test_default_location_is_the_user_data_dir(tmp_path, monkeypatch):
    for variable in ("IMAGING_EXPLORER_DATA", "IMAGING_EXPLORER_DB"):  # conftest points DATA elsewhere
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    with AnnotationStore() as s:
        assert s.path == (tmp_path / "xdg" / "imaging-explorer" / "annotations.db").resolve()
        s.annotate(P, "A/1", call="hit", reviewer="ana")
    assert s.path.is_file()


def test_time_is_utc(store):
    store.annotate(P, "A/1", call="hit", reviewer="ana")
    t = store.history(P).time.iloc[0]
    assert t.tz is not None and t.utcoffset().total_seconds() == 0
    assert abs((pd.Timestamp.now(tz=UTC) - t).total_seconds()) < 60


def test_schema_compiles_for_postgresql_and_urls_hide_passwords():
    """Without a server: the PostgreSQL DDL compiles, and a URL's password is never shown."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable

    from imaging_explorer.annotations import schema

    ddl = "\n".join(str(CreateTable(t).compile(dialect=postgresql.dialect())) for t in schema.metadata.sorted_tables)
    assert "TIMESTAMP WITH TIME ZONE" in ddl and "UNIQUE (uuid)" in ddl and "REFERENCES annotation_events (uuid)" in ddl
    with pytest.raises(AnnotationStoreError) as info:  # no psycopg, or nothing listening on port 1
        AnnotationStore("postgresql://ana:s3cret@127.0.0.1:1/annotations")
    assert "s3cret" not in str(info.value) and "postgresql://***@127.0.0.1:1/annotations" in str(info.value)
