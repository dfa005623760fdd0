"""Bench helper: a throwaway app database, SQLite or a fresh one on a PostgreSQL server."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def app_database(server_url: str | None, folder: Path) -> Iterator[str]:
    """A SQLite file in `folder`, or a fresh database on the PostgreSQL server, dropped after."""
    if server_url is None:
        yield f"sqlite:///{folder / 'app.db'}"
        return
    name = f"bench_{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
