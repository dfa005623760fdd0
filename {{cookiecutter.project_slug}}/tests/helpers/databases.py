"""Test databases: made, dropped and copied quickly, because there are hundreds of them.

Every test gets a database of its own, so making one must cost little: PostgreSQL copies
its template's files (FILE_COPY), and a new SQLite database that a test needs migrated
starts as a copy of one migrated for real once per process (tests/helpers/app.py).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url


def create_database(name: str, template: str = "template1") -> None:
    """CREATE DATABASE `name` on the test server (TEST_POSTGRES_URL), a copy of `template`."""
    with admin_engine().connect() as connection:
        # FILE_COPY (PostgreSQL 15+) copies the template's files: several times faster than
        # the default WAL_LOG for a small database, which pays off over hundreds of them.
        version = connection.dialect.server_version_info or (0,)
        strategy = " STRATEGY FILE_COPY" if version >= (15,) else ""
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}'))


def drop_database(name: str) -> None:
    with admin_engine().connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def url_of_database(name: str) -> str:
    """The URL of database `name` on the test server."""
    server = make_url(os.environ["TEST_POSTGRES_URL"])
    return server.set(database=name).render_as_string(hide_password=False)


@cache
def admin_engine() -> Engine:
    """The test server, outside any transaction (CREATE DATABASE needs that)."""
    return create_engine(os.environ["TEST_POSTGRES_URL"], isolation_level="AUTOCOMMIT")


def is_empty(engine: Engine) -> bool:
    """No table at all: a database nothing has migrated yet."""
    return not inspect(engine).get_table_names()


def copy_sqlite(source: Path, engine: Engine) -> None:
    """Copy `source` into the database behind `engine` with SQLite's backup, through the
    app's own connection: the file stays the one the app created (folder, permissions)."""
    with engine.connect() as connection, closing(sqlite3.connect(source)) as reader:
        target = connection.connection.driver_connection
        assert isinstance(target, sqlite3.Connection), "the app's SQLite driver is sqlite3"
        reader.backup(target)
