"""Controls for tests and workshops: reset, settings, the clock, fault rules, the request log."""

import math

from flask import Blueprint, Response, jsonify, render_template, request

from .admin_api import json_body, json_error
from .faults import FaultRuleError
from .seed import reset_database
from .settings import SettingsError, settings_view
from .state import current_state

bp = Blueprint("controls", __name__, url_prefix="/_sandbox")


@bp.post("/reset")
def reset() -> Response:
    """Back to the start: the start settings, seed data, the seed app, clock offset 0, no
    faults, empty log."""
    state = current_state()
    with state.write_lock:
        state.settings = state.start_settings
        reset_database(state.seed_app)
        state.clock.reset()
        state.faults.clear()
        state.log.clear()
    return jsonify({"reset": True, "clock": state.clock.as_dict()})


@bp.get("/settings")
def read_settings() -> Response:
    """The profile, each switch's reading, and every extension (labelled, on or off)."""
    return jsonify(settings_view(current_state().settings))


@bp.post("/settings")
def change_settings() -> Response:
    """`{"profile": "lenient"}`, `{"client_auth": "body_or_basic"}`, `{"extensions": [...]}`:
    a profile first, then each switch named. Lasts until the next reset."""
    state = current_state()
    try:
        with state.write_lock:
            state.settings = state.settings.changed(json_body())
    except SettingsError as error:
        return json_error(400, "invalid_request", str(error))
    return jsonify(settings_view(state.settings))


@bp.get("/clock")
def read_clock() -> Response:
    return jsonify(current_state().clock.as_dict())


@bp.post("/clock")
def advance_clock() -> Response:
    body = json_body()
    seconds = body.get("advance") if isinstance(body, dict) else None
    if (
        not isinstance(seconds, int | float)
        or isinstance(seconds, bool)
        or not math.isfinite(seconds)
        or not 0 <= seconds <= 10 * 365 * 86400
    ):
        return json_error(
            400, "invalid_request", "'advance' must be a number of seconds between 0 and ten years."
        )
    clock = current_state().clock
    clock.advance(float(seconds))
    return jsonify(clock.as_dict())


@bp.post("/faults")
def add_fault() -> tuple[Response, int] | Response:
    try:
        rule = current_state().faults.add(json_body())
    except FaultRuleError as error:
        return json_error(400, "invalid_request", str(error))
    return jsonify(rule.as_dict()), 201


@bp.get("/faults")
def list_faults() -> Response:
    return jsonify([rule.as_dict() for rule in current_state().faults.rules()])


@bp.delete("/faults")
def clear_faults() -> tuple[str, int]:
    current_state().faults.clear()
    return "", 204


@bp.get("/requests")
def request_log() -> Response | str:
    entries = current_state().log.entries()
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return render_template("requests.html", entries=entries)
    return jsonify(entries)
