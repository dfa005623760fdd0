"""The sandbox's start state: fixed users, their workspaces and projects, and the seed app."""

from typing import Any

from sqlalchemy import inspect

from .apps import register_app, update_app
from .credentials import digest
from .models import OAuthApp, Project, Task, User, Workspace, db

#: username -> [(workspace id, workspace name, [(project name, [task titles])])]
SEED_USERS: dict[str, list[tuple[str, str, list[tuple[str, list[str]]]]]] = {
    "ada": [
        (
            "ws_ada",
            "Analytical Engines",
            [
                ("Difference Engine", ["Tabulate polynomials", "Print results"]),
                ("Notes on the Engine", ["Translate Menabrea", "Write Note G"]),
            ],
        ),
    ],
    "grace": [
        (
            "ws_grace_navy",
            "Navy Computing",
            [
                ("Mark I", ["Find the moth"]),
                ("COBOL", ["Draft the spec", "Review with CODASYL", "Ship the compiler"]),
            ],
        ),
        (
            "ws_grace_lectures",
            "Lectures",
            [
                ("Nanoseconds", ["Cut the wire samples"]),
            ],
        ),
    ],
    "linus": [
        (
            "ws_linus",
            "Kernel",
            [
                ("Linux", ["Merge window", "Tag rc1"]),
                ("Git", []),
            ],
        ),
    ],
}


def seed_people() -> None:
    """Users, workspaces, projects and tasks; ids are fixed so tests can name them."""
    for username, workspaces in SEED_USERS.items():
        user = User(id=f"usr_{username}", username=username)
        db.session.add(user)
        for position, (workspace_id, name, projects) in enumerate(workspaces):
            db.session.add(
                Workspace(id=workspace_id, name=name, user_id=user.id, position=position)
            )
            for project_name, titles in projects:
                project = Project(workspace_id=workspace_id, name=project_name)
                db.session.add(project)
                db.session.flush()
                db.session.add_all(Task(project_id=project.id, title=t) for t in titles)
    db.session.commit()


def seed_app(app_fields: dict[str, Any] | None) -> None:
    """Register the project's own app with exactly the credentials in its .env."""
    if not app_fields:
        return
    fields = {k: v for k, v in app_fields.items() if k not in ("client_id", "client_secret")}
    register_app(
        fields, client_id=app_fields["client_id"], client_secret=app_fields["client_secret"]
    )


def ensure_seed_app(app_fields: dict[str, Any] | None) -> None:
    """At start: register the seed app, or bring an existing registration up to date."""
    if not app_fields:
        return
    existing = db.session.get(OAuthApp, app_fields["client_id"])
    if existing is None:
        seed_app(app_fields)
        return
    fields = {k: v for k, v in app_fields.items() if k not in ("client_id", "client_secret")}
    update_app(existing, fields)
    existing.secret_digest = digest(app_fields["client_secret"])
    db.session.commit()


def start_database(app_fields: dict[str, Any] | None) -> None:
    """Create the tables, seed an empty database, and (re-)register the seed app.

    A database file that already holds data keeps it, so tokens survive a restart; one
    written by an older sandbox (other columns) starts afresh: its state is disposable.
    """
    if not schema_is_current():
        db.drop_all()
    db.create_all()
    if db.session.execute(db.select(User).limit(1)).first() is None:
        seed_people()
    ensure_seed_app(app_fields)


def schema_is_current() -> bool:
    """Every table that exists has exactly the columns the models give it."""
    inspector = inspect(db.engine)
    existing = set(inspector.get_table_names())
    for table in db.metadata.sorted_tables:
        if table.name in existing:
            columns = {column["name"] for column in inspector.get_columns(table.name)}
            if columns != {column.name for column in table.columns}:
                return False
    return True


def reset_database(app_fields: dict[str, Any] | None) -> None:
    """Drop everything and seed again."""
    db.drop_all()
    db.create_all()
    seed_people()
    seed_app(app_fields)


def users_view() -> list[dict[str, Any]]:
    users = db.session.execute(db.select(User).order_by(User.username)).scalars()
    listing = []
    for user in users:
        query = db.select(Workspace).filter_by(user_id=user.id).order_by(Workspace.position)
        workspaces = db.session.execute(query).scalars()
        listing.append(
            {
                "username": user.username,
                "workspaces": [{"id": w.id, "name": w.name} for w in workspaces],
            }
        )
    return listing
