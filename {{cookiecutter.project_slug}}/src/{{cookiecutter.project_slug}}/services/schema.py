"""Is the database schema up to date? The migrations' heads against the database's version.

`/healthz` reports pending migrations everywhere, `flask dev` applies them on start, and a
page that meets a missing table says what to do instead of failing with a traceback.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Literal

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, column, select, table
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..paths import project_path

MIGRATIONS = project_path("migrations")
#: Any failure of the database, for error handlers that must not import SQLAlchemy.
DatabaseError = SQLAlchemyError
#: What /healthz reports of the database.
Health = Literal["unreachable", "unreadable", "pending", "current"]

log = logging.getLogger(__name__)
# Where Alembic records the applied revision(s): its default table, which migrations/env.py
# keeps (a test migrates and reads it back). One plain query rather than Alembic's
# MigrationContext, which inspects the schema on every call: /healthz runs on every probe
# of a load balancer.
VERSION_TABLE = "alembic_version"
_APPLIED_REVISIONS = select(table(VERSION_TABLE, column("version_num")).c.version_num)


@cache
def _head_revisions(migrations: Path) -> frozenset[str]:
    """The newest revision(s) in migrations/versions (read once: files do not change)."""
    return frozenset(ScriptDirectory(str(migrations)).get_heads())


def migrations_pending(engine: Engine, migrations: Path = MIGRATIONS) -> bool:
    """True when the database is behind the migrations (or has never been migrated).

    Raises SQLAlchemyError when the database cannot be reached at all.
    """
    with engine.connect() as connection:
        applied = _applied_revisions(connection)
    return applied != _head_revisions(migrations)


def _applied_revisions(connection: Connection) -> frozenset[str]:
    """The revisions Alembic recorded; none for a database never migrated. Raises
    SQLAlchemyError when the version table is there but cannot be read."""
    try:
        return frozenset(connection.execute(_APPLIED_REVISIONS).scalars())
    except SQLAlchemyError:
        # PostgreSQL refuses every statement after a failed one until the rollback.
        connection.rollback()
        if connection.dialect.has_table(connection, VERSION_TABLE):
            raise
        return frozenset()  # never migrated


def database_health() -> Health:
    """For /healthz: "unreachable" (no connection), "unreadable" (connected, but the
    migration state cannot be read: permissions, a damaged version table), "pending"
    (behind its migrations, or never migrated) or "current"."""
    try:
        connection = db.engine.connect()
    except SQLAlchemyError as error:
        log.warning("healthz: the database does not answer (%s)", type(error).__name__)
        return "unreachable"
    with connection:
        try:
            applied = _applied_revisions(connection)
        except SQLAlchemyError as error:
            log.warning("healthz: the migration state is unreadable (%s)", type(error).__name__)
            return "unreadable"
    return "pending" if applied != _head_revisions(MIGRATIONS) else "current"


def schema_is_behind(engine: Engine | None = None) -> bool:
    """Like migrations_pending (on the app's database by default), but False when the
    database does not answer: that is a different problem, with its own message."""
    try:
        return migrations_pending(engine if engine is not None else db.engine)
    except SQLAlchemyError:
        return False
