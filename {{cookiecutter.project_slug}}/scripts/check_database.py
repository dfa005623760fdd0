"""Say in one sentence what is missing when the database does not answer (`make setup`).

Reads DATABASE_URL as the app's development command line does (the environment first, then
`.env`), connects once with a short timeout, and exits 1 with a sentence instead of a
traceback when no server answers. SQLite always answers: its file is created on first use.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dotenv import dotenv_values
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

PROJECT = Path(__file__).resolve().parents[1]
HOW_TO_GET_ONE = (
    "start one for as long as a command runs with `scripts/with-postgres make setup dev`, "
    "or point DATABASE_URL in .env at a server you have"
)


def database_url() -> str:
    from_dotenv = dotenv_values(PROJECT / ".env").get("DATABASE_URL")
    return os.environ.get("DATABASE_URL") or from_dotenv or "sqlite:///app.db"


def problem(url: str) -> str | None:
    """None when the database answers; otherwise one sentence naming what is missing."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "DATABASE_URL is not a database URL (e.g. postgresql+psycopg://user:pw@host/db)."
    if parsed.get_backend_name() == "sqlite":
        return None
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    engine = create_engine(parsed, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        # The driver's first line names the cause (refused, unknown database, password...).
        reason = str(error.orig).strip().splitlines()[0]
        return (
            f"No PostgreSQL database answers at {where} for DATABASE_URL ({reason}): "
            f"{HOW_TO_GET_ONE}."
        )
    finally:
        engine.dispose()
    return None


def main() -> int:
    message = problem(database_url())
    if message:
        print(message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
