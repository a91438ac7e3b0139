"""The annotation database schema (SQLAlchemy Core), its version and its migrations.

Tables (see docs/annotations.md for the full description):

``schema_version``     one row per applied schema version (version, applied_at)
``plates``             id, name, fingerprint (unique together: a moved folder keeps its calls),
                       location (where it was first seen), created_at
``reviewers``          id, name (unique), created_at
``platemaps``          id, plate_id, source, content (the imported map as JSON records), created_at
``annotation_events``  append-only: id, uuid (unique; what makes imports idempotent), plate_id,
                       well, reviewer_id, kind ("call" or "undo"), call, confidence (1-5 or NULL),
                       tags (JSON list), note, created_at (UTC), undo_of (uuid of the undone call)
``compound_events``    (version 2) the same for calls on a plate's compounds: ``compound`` (the
                       plate map's compound_id) in place of ``well``

Events are never updated or deleted (triggers refuse it); undo is an event of its own.
Compound calls have a table of their own rather than a subject column in ``annotation_events``:
the well-call table, its queries and its indexes stay exactly as in version 1, a version-1
program never sees a compound call as a well, and the migration only adds (no table rewrite).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

__all__ = ["CALLS", "COMPOUND_VERSION", "MIGRATIONS", "SCHEMA_VERSION", "TAGS", "create_schema", "metadata"]

SCHEMA_VERSION = 2
#: The first schema version with compound calls (``compound_events``).
COMPOUND_VERSION = 2
CALLS = ("hit", "candidate", "reject", "unsure")
TAGS = ("cytotoxic", "artifact", "out_of_focus", "autofluorescent", "precipitate", "other")
KINDS = ("call", "undo")

metadata = sa.MetaData()


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

plates = sa.Table(
    "plates", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("location", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("name", "fingerprint", name="uq_plates_identity"),
)

reviewers = sa.Table(
    "reviewers", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

platemaps = sa.Table(
    "platemaps", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("plate_id", sa.Integer, sa.ForeignKey("plates.id"), nullable=False, index=True),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

def _event_table(name: str, subject: str, short: str) -> sa.Table:
    """An append-only event table: calls and undos of reviewers on one kind of ``subject``."""
    table = sa.Table(
        name, metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("plate_id", sa.Integer, sa.ForeignKey("plates.id"), nullable=False),
        sa.Column(subject, sa.Text, nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("reviewers.id"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("call", sa.String(16), nullable=True),
        sa.Column("confidence", sa.Integer, nullable=True),
        sa.Column("tags", sa.Text, nullable=False, server_default="[]"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undo_of", sa.String(36), sa.ForeignKey(f"{name}.uuid"), nullable=True),
        sa.CheckConstraint(_in("kind", KINDS), name=f"ck_{short}_kind"),
        sa.CheckConstraint(
            f"(kind = 'call' AND {_in('call', CALLS)} AND undo_of IS NULL)"
            " OR (kind = 'undo' AND call IS NULL AND undo_of IS NOT NULL)",
            name=f"ck_{short}_call_or_undo",
        ),
        sa.CheckConstraint("confidence IS NULL OR (confidence >= 1 AND confidence <= 5)",
                           name=f"ck_{short}_confidence"),
    )
    sa.Index(f"ix_{short}_plate_{subject}_reviewer", table.c.plate_id, table.c[subject], table.c.reviewer_id)
    sa.Index(f"ix_{short}_undo_of", table.c.undo_of)
    return table


events = _event_table("annotation_events", "well", "events")
#: Version 2: reviewers' calls on the compounds of a plate (the plate map's compound_id).
compound_events = _event_table("compound_events", "compound", "compound_events")
_V1_TABLES = [schema_version, plates, reviewers, platemaps, events]


# Append-only: the database itself refuses to change or delete an event.
def _sqlite_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'annotation events are append-only'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'annotation events are append-only'); END",
    ]


#: The trigger function, made by version 1 and shared by every event table.
_POSTGRESQL_FUNCTION = (
    "CREATE OR REPLACE FUNCTION annotation_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'annotation events are append-only'; END $$ LANGUAGE plpgsql"
)


def _postgresql_triggers(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION annotation_events_append_only()",
        # TRUNCATE fires no row trigger: it needs a statement trigger of its own
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION annotation_events_append_only()",
    ]


def _append_only(conn: sa.Connection, table: str) -> None:
    """The triggers that refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of ``table``'s rows."""
    postgresql = conn.dialect.name == "postgresql"
    for stmt in _postgresql_triggers(table) if postgresql else _sqlite_triggers(table):
        conn.exec_driver_sql(stmt)


def _v1(conn: sa.Connection) -> None:
    """Version 1: plates, reviewers, plate maps and well calls, with the append-only triggers."""
    metadata.create_all(conn, tables=_V1_TABLES)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_POSTGRESQL_FUNCTION)
    _append_only(conn, "annotation_events")


def _v2(conn: sa.Connection) -> None:
    """Version 2: calls on compounds, append-only like well calls (only adds: nothing is rewritten)."""
    metadata.create_all(conn, tables=[compound_events])
    _append_only(conn, "compound_events")


#: version -> function that brings a database from version - 1 to it (within one transaction).
#: A new schema version adds an entry here (CREATE / ALTER TABLE ...) and raises SCHEMA_VERSION;
#: a version's function never changes once released (databases made by it exist).
MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {1: _v1, 2: _v2}


def current_version(conn: sa.Connection) -> int:
    """The schema version of the database; 0 for an empty one."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


def create_schema(conn: sa.Connection) -> int:
    """Bring the database to :data:`SCHEMA_VERSION`, applying each missing migration in turn.

    Returns the version found before. Must run inside a write transaction.
    """
    if conn.dialect.name == "postgresql":  # two first sessions at once: one migrates, the other waits
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7312654)")
    found = current_version(conn)
    if found > SCHEMA_VERSION:
        raise RuntimeError(f"schema version {found} is newer than this imaging-explorer understands ({SCHEMA_VERSION})")
    for version in range(found + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[version](conn)
        conn.execute(sa.insert(schema_version).values(version=version, applied_at=datetime.now(UTC)))
    return found
