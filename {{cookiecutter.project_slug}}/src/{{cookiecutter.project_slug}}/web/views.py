"""Pages: the landing page, the dashboard, health, and the pages a listing needs."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from ..auth.session_user import connection_ids
from ..config import account_settings_url
from ..fsckmsft.errors import ApiError, MissingScope, NeedsReauthorization
from ..models import Connection, ConnectionStatus
from ..services import services
from ..services.connections import (
    connections_in_order,
    mark_reachable,
    usable_connection,
)
from ..services.schema import database_health

blueprint = Blueprint("web", __name__)
MAX_TASK_TITLE = 200


def _my_connections() -> list[Connection]:
    """This browser's connections; presenting them keeps them reachable (retention)."""
    connections = connections_in_order(connection_ids())
    mark_reachable(connections)
    return connections


@blueprint.get("/")
def index() -> str:
    return render_template("web/index.html", connections=_my_connections())


@blueprint.get("/dashboard")
def dashboard() -> Response | str | tuple[str, int]:
    connections = _my_connections()
    if not connections:
        return redirect(url_for("web.index"))
    chosen = request.args.get("connection", connections[0].id)
    connection = next((row for row in connections if row.id == chosen), None)
    if connection is None:
        abort(404)
    if connection.status != ConnectionStatus.ACTIVE:
        return render_template("web/reconnect.html", connection=connection), 200
    api = services().api.for_connection(connection.id, connection.granted_scopes(), connection)
    projects, problem = None, None
    try:
        if api.can(api.list_projects):
            projects = api.list_projects()
    except NeedsReauthorization:
        return render_template("web/reconnect.html", connection=connection), 200
    except ApiError as error:
        problem = error.message
    return render_template(
        "web/dashboard.html",
        connection=connection,
        connections=connections,
        projects=projects,
        can_read_projects=api.can(api.list_projects),
        can_add_tasks=api.can(api.add_task),
        missing_scopes=session.pop("missing_scopes", []),
        problem=problem,
    )


@blueprint.post("/dashboard/tasks")
def add_task() -> Response | tuple[str, int]:
    connection_id = request.form.get("connection_id", "")
    if connection_id not in connection_ids():
        abort(404)
    connection = usable_connection(connection_id)
    if connection is None:
        abort(404)
    title = request.form.get("title", "").strip()
    project_id = request.form.get("project_id", "")
    if not title or len(title) > MAX_TASK_TITLE:
        flash(f"A task needs a title of 1 to {MAX_TASK_TITLE} characters.", "error")
        return redirect(url_for("web.dashboard", connection=connection_id), 303)
    api = services().api.for_connection(connection.id, connection.granted_scopes(), connection)
    try:
        task = api.add_task(project_id, title)
    except NeedsReauthorization:
        return render_template("web/reconnect.html", connection=connection), 200
    except MissingScope as error:
        flash(f"This connection was not granted {error.scope}, so it cannot add tasks.", "error")
    except ApiError as error:
        flash(f"The task was not added: {error.message}", "error")
    else:
        flash(f"Added “{task.title}”.", "success")
    return redirect(url_for("web.dashboard", connection=connection_id), 303)


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    health = database_health()
    if health == "unreachable":
        return jsonify(status="error", database="unreachable"), 503
    # A database behind its migrations answers, then fails on the first missing column.
    if health in ("pending", "unreadable"):
        return jsonify(status="error", database="ok", migrations=health), 503
    return jsonify(status="ok", database="ok", migrations="current"), 200


@blueprint.get("/privacy")
def privacy() -> str:
    return render_template("web/privacy.html")


@blueprint.get("/terms")
def terms() -> str:
    return render_template("web/terms.html")


@blueprint.get("/support")
def support() -> str:
    return render_template("web/support.html")


@blueprint.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico on their own (for JSON answers too)."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@blueprint.app_context_processor
def listing_details() -> dict[str, object]:
    """Names and contacts every template shows, read from the Marketplace manifest."""
    manifest = services().manifest
    return {
        "account_settings_url": account_settings_url(current_app.config),
        "app_name": manifest.registration.name,
        "app_description": manifest.registration.description,
        "requested_scopes": manifest.registration.scopes,
        "support_email": manifest.listing.get("support_email", ""),
    }
