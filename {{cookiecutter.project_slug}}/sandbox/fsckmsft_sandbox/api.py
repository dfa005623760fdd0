"""The fsckmsft API the sandbox emulates: /v1/projects, /v1/projects/<id>/tasks (documented),
and /v1/me (the `identity` extension, off unless asked for).

The documentation defines no response bodies: the shapes below are the sandbox's choice, and
every answer says so in a `Sandbox-Invention` header.
"""

from typing import Any

from authlib.integrations.flask_oauth2 import current_token
from flask import Blueprint, Response, abort, jsonify, request
from sqlalchemy import func

from .models import Project, Task, User, Workspace, db
from .oauth.protector import require_oauth
from .state import current_state, extension_on

bp = Blueprint("api", __name__, url_prefix="/v1")

#: Labels every answer whose body shape the documentation leaves open.
INVENTION_HEADER = (
    "Sandbox-Invention",
    "api_bodies: the documentation defines no response bodies; this shape is the sandbox's choice",
)


@bp.after_request
def label_invented_bodies(response: Response) -> Response:
    response.headers[INVENTION_HEADER[0]] = INVENTION_HEADER[1]
    return response


def api_error(status: int, error: str, description: str) -> tuple[Response, int]:
    return jsonify({"error": error, "error_description": description}), status


@bp.get("/me")
def me() -> Response:
    """Who the token acts for: the `identity` extension; the platform documents no such call,
    so without the extension it does not exist (404, before any token check)."""
    if not extension_on("identity"):
        abort(404)
    return identity()


@require_oauth()
def identity() -> Response:
    user = db.session.get_one(User, current_token.user_id)
    workspace = db.session.get_one(Workspace, current_token.workspace_id)
    response = jsonify(
        {
            "user": {"id": user.id, "username": user.username},
            "workspace": {"id": workspace.id, "name": workspace.name},
        }
    )
    response.headers["Sandbox-Extension"] = "identity: GET /v1/me is not in the documentation"
    return response


@bp.get("/projects")
@require_oauth("read:projects")
def list_projects() -> Response:
    """The projects of the token's workspace, never another's."""
    counts = (
        db.select(Project, func.count(Task.id))
        .outerjoin(Task, Task.project_id == Project.id)
        .where(Project.workspace_id == current_token.workspace_id)
        .group_by(Project.id)
        .order_by(Project.id)
    )
    projects = [
        {"id": project.id, "name": project.name, "task_count": count}
        for project, count in db.session.execute(counts)
    ]
    return jsonify({"projects": projects})


def task_title(body: Any) -> str | None:
    """The title from `{"title": "..."}`, 1 to 200 characters, or None."""
    if not isinstance(body, dict):
        return None
    title = body.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        return None
    return title


@bp.post("/projects/<int:project_id>/tasks")
@require_oauth("write:tasks")
def create_task(project_id: int) -> tuple[Response, int]:
    project = db.session.get(Project, project_id)
    # A project in another workspace looks exactly like a missing one, so a token cannot
    # probe which ids exist elsewhere (cross-tenant enumeration).
    if project is None or project.workspace_id != current_token.workspace_id:
        return api_error(404, "not_found", "No such project in this workspace.")
    title = task_title(request.get_json(silent=True))
    if title is None:
        return api_error(
            400, "invalid_request", 'Send a JSON body {"title": "..."} with 1 to 200 characters.'
        )
    with current_state().write_lock:
        task = Task(project_id=project.id, title=title)
        db.session.add(task)
        db.session.commit()
        return jsonify(
            {"task": {"id": task.id, "title": task.title, "project_id": project.id}}
        ), 201
