"""Schema version 2 (compound calls): a version-1 database migrates forward and keeps every event.

The version-1 database is made here from a frozen copy of the DDL that version 1 of the code
ran (SQLite's and PostgreSQL's), with well events written the way version 1 wrote them, so the
test does not depend on ``schema.MIGRATIONS[1]`` staying as it is (it checks that too).
On SQLite and PostgreSQL (``store_url``); PostgreSQL's roles have a test of their own.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from imaging_explorer.annotations import (
    SCHEMA_VERSION,
    AnnotationStore,
    AnnotationStoreError,
)
from imaging_explorer.annotations import schema as S

P = ("plate-1", "f00d")

_V1_TABLES = [  # as version 1 made them on SQLite (sqlite_master), in order
    "CREATE TABLE schema_version (\n\tversion INTEGER NOT NULL, \n\tapplied_at DATETIME NOT NULL, \n\t"
    "PRIMARY KEY (version)\n)",
    "CREATE TABLE plates (\n\tid INTEGER NOT NULL, \n\tname TEXT NOT NULL, \n\tfingerprint TEXT NOT NULL, \n\t"
    "location TEXT DEFAULT '' NOT NULL, \n\tcreated_at DATETIME NOT NULL, \n\tPRIMARY KEY (id), \n\t"
    "CONSTRAINT uq_plates_identity UNIQUE (name, fingerprint)\n)",
    "CREATE TABLE reviewers (\n\tid INTEGER NOT NULL, \n\tname TEXT NOT NULL, \n\tcreated_at DATETIME NOT NULL, \n\t"
    "PRIMARY KEY (id), \n\tUNIQUE (name)\n)",
    "CREATE TABLE platemaps (\n\tid INTEGER NOT NULL, \n\tplate_id INTEGER NOT NULL, \n\t"
    "source TEXT DEFAULT '' NOT NULL, \n\tcontent TEXT NOT NULL, \n\tcreated_at DATETIME NOT NULL, \n\t"
    "PRIMARY KEY (id), \n\tFOREIGN KEY(plate_id) REFERENCES plates (id)\n)",
    "CREATE INDEX ix_platemaps_plate_id ON platemaps (plate_id)",
    "CREATE TABLE annotation_events (\n\tid INTEGER NOT NULL, \n\tuuid VARCHAR(36) NOT NULL, \n\t"
    "plate_id INTEGER NOT NULL, \n\twell TEXT NOT NULL, \n\treviewer_id INTEGER NOT NULL, \n\t"
    "kind VARCHAR(8) NOT NULL, \n\tcall VARCHAR(16), \n\tconfidence INTEGER, \n\t"
    "tags TEXT DEFAULT '[]' NOT NULL, \n\tnote TEXT DEFAULT '' NOT NULL, \n\tcreated_at DATETIME NOT NULL, \n\t"
    "undo_of VARCHAR(36), \n\tPRIMARY KEY (id), \n\tCONSTRAINT ck_events_kind CHECK (kind IN ('call', 'undo')), \n\t"
    "CONSTRAINT ck_events_call_or_undo CHECK ((kind = 'call' AND call IN ('hit', 'candidate', 'reject', 'unsure') "
    "AND undo_of IS NULL) OR (kind = 'undo' AND call IS NULL AND undo_of IS NOT NULL)), \n\t"
    "CONSTRAINT ck_events_confidence CHECK (confidence IS NULL OR (confidence >= 1 AND confidence <= 5)), \n\t"
    "UNIQUE (uuid), \n\tFOREIGN KEY(plate_id) REFERENCES plates (id), \n\t"
    "FOREIGN KEY(reviewer_id) REFERENCES reviewers (id), \n\tFOREIGN KEY(undo_of) REFERENCES annotation_events (uuid)\n)",
    "CREATE INDEX ix_events_plate_well_reviewer ON annotation_events (plate_id, well, reviewer_id)",
    "CREATE INDEX ix_events_undo_of ON annotation_events (undo_of)",
]
_V1_SQLITE_TRIGGERS = [
    "CREATE TRIGGER annotation_events_no_update BEFORE UPDATE ON annotation_events "
    "BEGIN SELECT RAISE(ABORT, 'annotation events are append-only'); END",
    "CREATE TRIGGER annotation_events_no_delete BEFORE DELETE ON annotation_events "
    "BEGIN SELECT RAISE(ABORT, 'annotation events are append-only'); END",
]
_V1_POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION annotation_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'annotation events are append-only'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER annotation_events_append_only BEFORE UPDATE OR DELETE ON annotation_events "
    "FOR EACH ROW EXECUTE FUNCTION annotation_events_append_only()",
    "CREATE TRIGGER annotation_events_no_truncate BEFORE TRUNCATE ON annotation_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION annotation_events_append_only()",
]


def _postgresql_v1() -> list[str]:
    """Version 1's PostgreSQL DDL: the same tables with SERIAL ids and TIMESTAMP WITH TIME ZONE."""
    out = []
    for sql in _V1_TABLES:
        sql = sql.replace("id INTEGER NOT NULL, \n\t", "id SERIAL NOT NULL, \n\t", 1) if "TABLE schema_version" \
            not in sql else sql
        out.append(sql.replace("DATETIME", "TIMESTAMP WITH TIME ZONE"))
    return out + _V1_POSTGRESQL_TRIGGERS


class _Db:
    """A plain DB-API connection (SQLite or psycopg), autocommit, ``?`` parameters on both."""

    def __init__(self, url: str) -> None:
        self.postgresql = url.startswith("postgresql://")
        if self.postgresql:
            import psycopg

            self.con = psycopg.connect(url, autocommit=True)
        else:
            self.con = sqlite3.connect(url, isolation_level=None)

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.postgresql:
            sql = sql.replace("?", "%s")
        cur = self.con.execute(sql, params)
        return cur.fetchall() if cur.description else []

    def time(self, t: datetime) -> object:
        return t if self.postgresql else t.replace(tzinfo=None).isoformat(" ")  # SQLAlchemy's SQLite form

    def close(self) -> None:
        self.con.close()


T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
UUIDS = [str(uuid.UUID(int=i + 1)) for i in range(3)]


def _make_v1(url: str) -> None:
    """A version-1 database holding three well events: ana's call, her undo of it, ben's call."""
    db = _Db(url)
    try:
        for sql in _postgresql_v1() if db.postgresql else _V1_TABLES + _V1_SQLITE_TRIGGERS:
            db.execute(sql)
        db.execute("INSERT INTO schema_version VALUES (1, ?)", (db.time(T0),))
        db.execute("INSERT INTO plates (name, fingerprint, location, created_at) VALUES (?, ?, '', ?)",
                   (*P, db.time(T0)))
        for name in ("ana", "ben"):
            db.execute("INSERT INTO reviewers (name, created_at) VALUES (?, ?)", (name, db.time(T0)))
        rows = [(UUIDS[0], "A/1", "ana", "call", "hit", None), (UUIDS[1], "A/1", "ana", "undo", None, UUIDS[0]),
                (UUIDS[2], "B/2", "ben", "call", "reject", None)]
        for i, (u, well, who, kind, call, undo_of) in enumerate(rows):
            db.execute("INSERT INTO annotation_events (uuid, plate_id, well, reviewer_id, kind, call, confidence, tags,"
                       " note, created_at, undo_of) VALUES (?, (SELECT id FROM plates), ?,"
                       " (SELECT id FROM reviewers WHERE name = ?), ?, ?, NULL, '[]', '', ?, ?)",
                       (u, well, who, kind, call, db.time(T0 + timedelta(minutes=i)), undo_of))
    finally:
        db.close()


def _versions(url: str) -> list[int]:
    db = _Db(url)
    try:
        return [r[0] for r in db.execute("SELECT version FROM schema_version ORDER BY version")]
    finally:
        db.close()


def _has_table(url: str, table: str) -> bool:
    db = _Db(url)
    try:
        sql = ("SELECT count(*) FROM information_schema.tables WHERE table_name = ?" if db.postgresql
               else "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?")
        return db.execute(sql, (table,))[0][0] == 1
    finally:
        db.close()


def _assert_v1_events(store: AnnotationStore) -> None:
    h = store.history(P)
    assert h.uuid.tolist() == UUIDS and h.kind.tolist() == ["call", "undo", "call"]
    assert h.undone.tolist() == [True, False, False] and h.time.iloc[0] == T0
    assert store.current(P)[["well", "reviewer", "call"]].values.tolist() == [["B/2", "ben", "reject"]]


def test_v1_database_migrates_to_v2_keeping_its_events(store_url):
    _make_v1(store_url)
    assert _versions(store_url) == [1] and not _has_table(store_url, "compound_events")
    with AnnotationStore(store_url) as s:
        assert s.schema_version == SCHEMA_VERSION == 2 and s.has_compound_calls and not s.upgrade_reason
        _assert_v1_events(s)
        cid = s.annotate_compound(P, "CPD-1", call="hit", reviewer="ana")
        s.annotate(P, "A/1", call="candidate", reviewer="ana")  # well calls go on as before
        s.undo(P, "B/2", "ben")
    assert _versions(store_url) == [1, 2] and _has_table(store_url, "compound_events")
    with AnnotationStore(store_url) as s:  # a restart: nothing to migrate, everything there
        assert s.compound_current(P)[["compound", "call", "event_id"]].values.tolist() == [["CPD-1", "hit", cid]]
        assert s.history(P).uuid.tolist()[:3] == UUIDS and len(s.history(P)) == 5
        assert s.current(P)[["well", "call"]].values.tolist() == [["A/1", "candidate"]]
    assert _versions(store_url) == [1, 2]
    db = _Db(store_url)  # version 1's triggers still guard the well events, version 2's the compound events
    try:
        for table in ("annotation_events", "compound_events"):
            with pytest.raises(Exception, match="append-only"):
                db.execute(f"UPDATE {table} SET note = 'changed'")
            with pytest.raises(Exception, match="append-only"):
                db.execute(f"DELETE FROM {table}")
    finally:
        db.close()


def test_the_migration_leaves_version_1_tables_as_they_were(tmp_path):
    db = tmp_path / "v1.db"
    _make_v1(str(db))

    def ddl() -> dict[str, str]:
        con = sqlite3.connect(db)
        try:
            return dict(con.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
        finally:
            con.close()

    before = ddl()
    AnnotationStore(db).close()
    after = ddl()
    assert {k: after[k] for k in before} == before  # nothing rewritten
    assert set(after) - set(before) == {"compound_events", "ix_compound_events_plate_compound_reviewer",
                                        "ix_compound_events_undo_of", "compound_events_no_update",
                                        "compound_events_no_delete"}


def test_migration_1_is_still_version_1(tmp_path, monkeypatch):
    """The code's own version 1 (a database made by ``MIGRATIONS[1]`` alone) is the frozen one."""
    monkeypatch.setattr(S, "SCHEMA_VERSION", 1)
    db = tmp_path / "made.db"
    AnnotationStore(db).close()
    con = sqlite3.connect(db)
    try:
        made = [r[0] for r in con.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")]
    finally:
        con.close()
    assert sorted(made) == sorted(_V1_TABLES + _V1_SQLITE_TRIGGERS)
    monkeypatch.undo()
    with AnnotationStore(db) as s:  # and the code's version 1 migrates like the frozen one
        assert s.has_compound_calls and s.annotate_compound(P, "CPD-1", call="hit", reviewer="ana")


def test_read_only_v1_database_opens_for_well_calls(store_url, tmp_path):
    _make_v1(store_url)
    with AnnotationStore(store_url, read_only=True) as s:
        assert s.read_only and s.schema_version == 1 and not s.has_compound_calls
        assert "read-only" in s.upgrade_reason
        _assert_v1_events(s)
        assert s.compound_history(P).empty and s.compound_current(P).empty and s.compound_consensus(P).empty
        assert s.latest_compound_event_id() == 0 and s.latest_event_id(P) > 0
        with pytest.raises(AnnotationStoreError, match="compound calls need annotation schema version 2; this "
                                                       "database is at version 1 and was not upgraded"):
            s.annotate_compound(P, "CPD-1", call="hit", reviewer="ana")
        with pytest.raises(AnnotationStoreError, match="compound calls need annotation schema version 2"):
            s.undo_compound(P, "CPD-1", "ana")
        with pytest.raises(AnnotationStoreError, match="read_only=True"):
            s.annotate(P, "A/1", call="hit", reviewer="ana")
        out = s.export(P, tmp_path / "v1.csv")  # its events still leave in the current format
    assert _versions(store_url) == [1] and not _has_table(store_url, "compound_events")  # untouched
    with AnnotationStore(store_url) as s:  # opened with write access: upgraded
        assert s.schema_version == 2 and s.import_(out) == 0


def test_read_only_v1_file_opens_for_well_calls(tmp_path):
    db = tmp_path / "v1.db"
    _make_v1(str(db))
    db.chmod(0o444)
    try:
        with AnnotationStore(db) as s:
            assert s.read_only and "file is read-only" in s.read_only_reason and s.schema_version == 1
            _assert_v1_events(s)
            with pytest.raises(AnnotationStoreError, match="version 1 and was not upgraded.*file is read-only"):
                s.annotate_compound(P, "CPD-1", call="hit", reviewer="ana")
    finally:
        db.chmod(0o644)
    assert _versions(str(db)) == [1]


def test_a_newer_version_is_refused(store_url):
    _make_v1(store_url)
    db = _Db(store_url)
    try:
        db.execute("INSERT INTO schema_version VALUES (2, ?)", (db.time(T0),))
        db.execute("INSERT INTO schema_version VALUES (3, ?)", (db.time(T0),))
    finally:
        db.close()
    with pytest.raises(AnnotationStoreError, match=r"schema version 3 is newer than this imaging-explorer "
                                                   r"understands \(2\); update imaging-explorer"):
        AnnotationStore(store_url)
    with pytest.raises(AnnotationStoreError, match="schema version 3, this program uses 2: it was written by a "
                                                   "newer imaging-explorer"):
        AnnotationStore(store_url, read_only=True)


def test_postgresql_role_that_may_not_create_tables_keeps_using_v1(postgres_server):
    url = postgres_server.create_database()
    _make_v1(url)
    database = url.rsplit("/", 1)[1]
    postgres_server.execute("CREATE ROLE member_v1 LOGIN PASSWORD 'calls'")
    owner = _Db(url)
    try:
        owner.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        owner.execute("GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO member_v1")
        owner.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO member_v1")
    finally:
        owner.close()
    member = postgres_server.url(database, "member_v1", "calls")
    with AnnotationStore(member) as s:  # may add well calls, but not upgrade: stays at version 1
        assert not s.read_only and s.schema_version == 1
        assert "'member_v1' may not create tables in schema 'public'" in s.upgrade_reason
        _assert_v1_events(s)
        s.annotate(P, "C/3", call="hit", reviewer="cy")
        with pytest.raises(AnnotationStoreError, match="version 1 and was not upgraded.*on PostgreSQL: as a role"):
            s.annotate_compound(P, "CPD-1", call="hit", reviewer="cy")
    assert _versions(url) == [1]
    with AnnotationStore(url) as s:  # the owner opens it: upgraded, the member's call kept
        assert s.schema_version == 2 and "C/3" in set(s.current(P).well)
        s.annotate_compound(P, "CPD-1", call="hit", reviewer="ana")
    with AnnotationStore(member) as s:  # now at version 2; the new table needs its own grant
        assert s.schema_version == 2 and not s.has_compound_calls and s.compound_current(P).empty
        assert s.latest_compound_event_id() == 0 and "C/3" in set(s.current(P).well)
        with pytest.raises(AnnotationStoreError, match="'member_v1' may not read compound calls .*GRANT SELECT, "
                                                       "INSERT ON compound_events TO member_v1.*Nothing was saved"):
            s.annotate_compound(P, "CPD-1", call="hit", reviewer="cy")
    owner = _Db(url)
    try:
        owner.execute("GRANT SELECT ON compound_events TO member_v1")
    finally:
        owner.close()
    with AnnotationStore(member) as s:  # may read them, not add them (nor could it with INSERT alone)
        assert s.compound_current(P).reviewer.tolist() == ["ana"]
        with pytest.raises(AnnotationStoreError, match="may read but not add compound calls"):
            s.annotate_compound(P, "CPD-1", call="hit", reviewer="cy")
    owner = _Db(url)
    try:
        owner.execute("GRANT INSERT ON compound_events TO member_v1")
        owner.execute("GRANT USAGE ON SEQUENCE compound_events_id_seq TO member_v1")
    finally:
        owner.close()
    with AnnotationStore(member) as s:
        s.annotate_compound(P, "CPD-1", call="reject", reviewer="cy")
        assert s.compound_consensus(P).loc["CPD-1", "n_reviewers"] == 2
