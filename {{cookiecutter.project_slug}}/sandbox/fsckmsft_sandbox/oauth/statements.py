"""The token endpoint's statements: written with Core, compiled once, run by SQLite's driver.

A refresh runs five short statements. Run through a SQLAlchemy Connection, each one also
pays for an execution context (parameters, result metadata: ~10 µs), a fifth of the
endpoint's time; the statements themselves took less. So they are written with Core
against the models' tables (the schema keeps one source), compiled once into SQL with
named parameters, and run on the driver's own connection (the sandbox's database is
always SQLite).
"""

import sqlite3
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql import ClauseElement

_NAMED_PARAMETERS = sqlite.dialect(paramstyle="named")


class Statement:
    """One Core statement as SQLite SQL, with `:name` parameters."""

    def __init__(self, statement: ClauseElement, columns: Sequence[str] | None = None) -> None:
        # `columns`: for an INSERT, the columns it sets (each a parameter of the same name).
        compiled = statement.compile(dialect=_NAMED_PARAMETERS, column_keys=columns)
        self.sql = str(compiled)

    def run(self, connection: sqlite3.Connection, parameters: dict[str, Any]) -> sqlite3.Cursor:
        return connection.execute(self.sql, parameters)


def record_by_digest(table: Table, record: Any, digest_column: str) -> Statement:
    """The row whose `digest_column` is `:digest`, as the dataclass `record`'s fields in order
    (credentials are stored as digests only, and looked up by them)."""
    columns = [table.c[field.name] for field in fields(record)]
    return Statement(select(*columns).where(table.c[digest_column] == bindparam("digest")))


def spend_once(table: Table, used_column: str) -> Statement:
    """Mark row `:row_id` used at `:now`, unless it already was: of two requests that both
    passed their checks, only one spends a credential (its rowcount is 1, the other's 0)."""
    return Statement(
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c[used_column].is_(None))
        .values({used_column: bindparam("now")})
    )
