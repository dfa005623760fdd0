"""GET /inspector: this browser's most recent flow, step by step, with a sequence diagram.

POST /inspector/sandbox/*: workshop controls (only against the sandbox). Every route
answers 404 unless the inspector is on and the app is not in production; create_app()
does not even register the blueprint then, and this guard says it again.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from ..auth.session_user import connection_ids
from ..services import services
from .diagram import build_diagram
from .recorder import FlowRecorder
from .sandbox_controls import CLOCK_JUMPS, FAULTS, ControlFailed, SandboxControls
from .steps import show, step_info

EXTENSION = "flow_inspector"

blueprint = Blueprint(
    "inspector",
    __name__,
    url_prefix="/inspector",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",  # served at /inspector/static/…
)


def recorder() -> FlowRecorder:
    return current_app.extensions[EXTENSION]


@blueprint.before_request
def only_where_allowed() -> None:
    config = current_app.config
    if not config["INSPECTOR_ENABLED"] or config["APP_ENV"] == "production":
        abort(404)


@blueprint.get("")
def inspector() -> str:
    browser_id = session.get("browser_id")
    events = recorder().timeline(
        browser_id if isinstance(browser_id, str) else None, connection_ids()
    )
    controls = SandboxControls.from_config(current_app.config)
    return render_template(
        "inspector/inspector.html",
        events=events,
        steps=[step_info(event.step) for event in events],
        diagram=build_diagram(events),
        show=show,
        controls=controls is not None,
        clock_jumps=CLOCK_JUMPS,
        faults=FAULTS,
        revoke_for=controls.usernames() if controls and connection_ids() else [],
        identity_url=current_app.config["FSCKMSFT_IDENTITY_URL"],
    )


def _controls() -> SandboxControls:
    controls = SandboxControls.from_config(current_app.config)
    if controls is None:
        abort(404)  # not against the sandbox: there is nothing to control
    return controls


def _done(action: str | None = None, error: ControlFailed | None = None) -> Response:
    """Tell the browser what happened, note it in its timeline, and show the inspector."""
    if error is not None:
        flash(f"Sandbox control failed: {error}", "error")
    elif action is not None:
        browser_id = session.get("browser_id")
        if isinstance(browser_id, str):
            recorder().note(browser_id, "sandbox_control", action=action)
        flash(f"Sandbox: {action}.", "success")
    return redirect(url_for("inspector.inspector"), 303)


@blueprint.post("/sandbox/clock")
def advance_clock() -> Response:
    controls = _controls()
    jump = request.form.get("jump", "")
    if jump not in CLOCK_JUMPS:
        abort(400)
    try:
        action = controls.advance_clock(jump)
    except ControlFailed as error:
        return _done(error=error)
    clock = services().clock
    if hasattr(clock, "forget"):
        clock.forget()  # read the new sandbox time at once, not after the clock's cache
    return _done(action)


@blueprint.post("/sandbox/revoke")
def revoke() -> Response:
    controls = _controls()
    username = request.form.get("username", "")
    if not connection_ids() or not username:
        flash("Connect first, then pick the sandbox user whose approval to revoke.", "error")
        return _done()
    try:
        action = controls.revoke(username, current_app.config["FSCKMSFT_CLIENT_ID"])
    except ControlFailed as error:
        return _done(error=error)
    return _done(action)


@blueprint.post("/sandbox/fault")
def inject_fault() -> Response:
    controls = _controls()
    kind = request.form.get("kind", "")
    if kind not in FAULTS:
        abort(400)
    try:
        action = controls.inject_fault(kind)
    except ControlFailed as error:
        return _done(error=error)
    return _done(action)
