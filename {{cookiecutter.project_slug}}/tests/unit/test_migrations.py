"""The migrations, run one by one on an empty database: up to head, down to nothing, up again.

The other SQLite tests start from a copy of a database these same migrations made
(tests/helpers/app.py), so this is where a broken step, a downgrade that leaves tables
behind, or a model that drifted from its migrations shows up.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.extensions import db

from tests.helpers.app import PROJECT_ROOT, app_config, migrated_app


@pytest.fixture
def empty_app(database_url: str) -> Iterator[Flask]:
    app = create_app(app_config(database_url, "https://fsckmsft.test"))
    with app.app_context():
        yield app
        db.engine.dispose()


def revisions_in_order() -> list[str]:
    scripts = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_each_migration_applies_in_turn_and_head_matches_the_models(empty_app: Flask) -> None:
    revisions = revisions_in_order()
    assert len(revisions) >= 5
    for revision in revisions:
        upgrade(revision=revision)
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == revision
    with db.engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert drift == [], f"models and migrations disagree (write a migration): {drift}"


def test_downgrading_to_base_removes_every_table_and_upgrading_again_restores_them(
    empty_app: Flask,
) -> None:
    upgrade()
    downgrade(revision="base")
    assert tables() == set()
    upgrade()
    assert tables() == set(db.metadata.tables)


def test_the_migrated_copy_other_tests_start_from_is_at_head(database_url: str) -> None:
    """tests/helpers/app.py's shortcut must give what `upgrade()` gives, or every test lies."""
    app = migrated_app(app_config(database_url, "https://fsckmsft.test"))
    with app.app_context(), db.engine.connect() as connection:
        head = ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head()
        assert MigrationContext.configure(connection).get_current_revision() == head
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
    with app.app_context():
        db.engine.dispose()
