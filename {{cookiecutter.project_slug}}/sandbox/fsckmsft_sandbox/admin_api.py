"""The JSON admin API under /_sandbox: apps (F1, F2, F7), users, and a user's revocation."""

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from .apps import (
    delete_app,
    public_view,
    register_app,
    revoke_user_authorization,
    rotate_secret,
    update_app,
)
from .models import OAuthApp, User, db
from .registration import RegistrationError
from .seed import users_view
from .state import current_state

bp = Blueprint("admin_api", __name__, url_prefix="/_sandbox")


def json_error(status: int, error: str, message: str) -> Response:
    response = jsonify({"error": error, "message": message, "error_description": message})
    response.status_code = status
    return response


def json_body() -> Any:
    """The request's JSON, or a 400 if it is not JSON.

    Requiring application/json also means a hostile web page cannot post here from the
    browser without a CORS preflight (cross-site request forgery).
    """
    body = request.get_json(silent=True)
    if body is None:
        abort(
            json_error(
                400, "invalid_request", "Send a JSON object with Content-Type: application/json."
            )
        )
    return body


def app_or_404(client_id: str) -> OAuthApp:
    app = db.session.get(OAuthApp, client_id)
    if app is None:
        abort(json_error(404, "not_found", "No app with that client_id."))
    return app


@bp.errorhandler(RegistrationError)
def invalid_registration(error: RegistrationError) -> Response:
    return json_error(400, error.error, error.message)


@bp.post("/apps")
def create_app_route() -> tuple[Response, int]:
    body = json_body()
    with current_state().write_lock:
        app, secret = register_app(body)
        return jsonify({**public_view(app), "client_secret": secret}), 201


@bp.get("/apps")
def list_apps() -> Response:
    apps = db.session.execute(db.select(OAuthApp).order_by(OAuthApp.created_at)).scalars()
    return jsonify([public_view(app) for app in apps])


@bp.get("/apps/<client_id>")
def show_app(client_id: str) -> Response:
    return jsonify(public_view(app_or_404(client_id)))


@bp.patch("/apps/<client_id>")
def edit_app(client_id: str) -> Response:
    body = json_body()
    with current_state().write_lock:
        return jsonify(public_view(update_app(app_or_404(client_id), body)))


@bp.post("/apps/<client_id>/rotate-secret")
def rotate_app_secret(client_id: str) -> Response:
    with current_state().write_lock:
        secret = rotate_secret(app_or_404(client_id))
        return jsonify({"client_id": client_id, "client_secret": secret})


@bp.delete("/apps/<client_id>")
def delete_app_route(client_id: str) -> tuple[str, int]:
    with current_state().write_lock:
        delete_app(app_or_404(client_id))
    return "", 204


@bp.get("/users")
def list_users() -> Response:
    return jsonify(users_view())


@bp.post("/users/<username>/revoke/<client_id>")
def revoke(username: str, client_id: str) -> Response:
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        abort(json_error(404, "not_found", "No sandbox user with that username."))
    with current_state().write_lock:
        revoked = revoke_user_authorization(user, client_id)
    return jsonify({"username": username, "client_id": client_id, "revoked_tokens": revoked})
