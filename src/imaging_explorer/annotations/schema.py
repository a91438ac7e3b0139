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

Events are never updated or deleted (triggers refuse it); undo is an event of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

__all__ = ["CALLS", "MIGRATIONS", "SCHEMA_VERSION", "TAGS", "create_schema", "metadata"]

SCHEMA_VERSION = 1
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

events = sa.Table(
    "annotation_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("plate_id", sa.Integer, sa.ForeignKey("plates.id"), nullable=False),
    sa.Column("well", sa.Text, nullable=False),
    sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("reviewers.id"), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("call", sa.String(16), nullable=True),
    sa.Column("confidence", sa.Integer, nullable=True),
    sa.Column("tags", sa.Text, nullable=False, server_default="[]"),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("undo_of", sa.String(36), sa.ForeignKey("annotation_events.uuid"), nullable=True),
    sa.CheckConstraint(_in("kind", KINDS), name="ck_events_kind"),
    sa.CheckConstraint(
        f"(kind = 'call' AND {_in('call', CALLS)} AND undo_of IS NULL)"
        " OR (kind = 'undo' AND call IS NULL AND undo_of IS NOT NULL)",
        name="ck_events_call_or_undo",
    ),
    sa.CheckConstraint("confidence IS NULL OR (confidence >= 1 AND confidence <= 5)", name="ck_events_confidence"),
)
sa.Index("ix_events_plate_well_reviewer", events.c.plate_id, events.c.well, events.c.reviewer_id)
sa.Index("ix_events_undo_of", events.c.undo_of)

# Append-only: the database itself refuses to change or delete an event.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS annotation_events_no_update BEFORE UPDATE ON annotation_events "
    "BEGIN SELECT RAISE(ABORT, 'annotation events are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS annotation_events_no_delete BEFORE DELETE ON annotation_events "
    "BEGIN SELECT RAISE(ABORT, 'annotation events are append-only'); END",
]
_POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION annotation_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'annotation events are append-only'; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS annotation_events_append_only ON annotation_events",
    "CREATE TRIGGER annotation_events_append_only BEFORE UPDATE OR DELETE ON annotation_events "
    "FOR EACH ROW EXECUTE FUNCTION annotation_events_append_only()",
    # TRUNCATE fires no row trigger: it needs a statement trigger of its own
    "DROP TRIGGER IF EXISTS annotation_events_no_truncate ON annotation_events",
    "CREATE TRIGGER annotation_events_no_truncate BEFORE TRUNCATE ON annotation_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION annotation_events_append_only()",
]


def _v1(conn: sa.Connection) -> None:
    """Version 1: the tables above, and the append-only triggers."""
    metadata.create_all(conn)
    statements = _POSTGRESQL_TRIGGERS if conn.dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for stmt in statements:
        conn.exec_driver_sql(stmt)


#: version -> function that brings a database from version - 1 to it (within one transaction).
#: A new schema version adds an entry here (ALTER TABLE ...) and raises SCHEMA_VERSION.
MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {1: _v1}


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
