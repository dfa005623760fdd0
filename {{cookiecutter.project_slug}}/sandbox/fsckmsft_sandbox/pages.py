"""HTML pages for people: Settings → Developer → OAuth Apps, and a user's Authorized apps."""

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from .apps import (
    all_apps,
    apps_authorized_by,
    authorized_workspaces,
    delete_app,
    register_app,
    revoke_user_authorization,
    rotate_secret,
    update_app,
)
from .config import EXTENSION_SCOPES
from .models import OAuthApp, User, db
from .registration import RegistrationError
from .state import current_state, scopes_in_force

bp = Blueprint("pages", __name__, url_prefix="/settings")

EMPTY_FORM: dict[str, Any] = {
    "name": "",
    "description": "",
    "homepage_url": "",
    "redirect_uris": [],
    "scopes": [],
}


def submitted_fields() -> dict[str, Any]:
    """The registration form as the fields of the JSON API (one redirect URI per line)."""
    lines = request.form.get("redirect_uris", "").splitlines()
    return {
        "name": request.form.get("name", ""),
        "description": request.form.get("description", ""),
        "homepage_url": request.form.get("homepage_url", ""),
        "redirect_uris": [line.strip() for line in lines if line.strip()],
        "scopes": request.form.getlist("scopes"),
    }


def secret_page(app: OAuthApp, secret: str) -> Response:
    html = render_template("secret.html", app=app, secret=secret)
    # Shown once: no cache may keep a copy of the page holding the secret.
    return Response(html, headers={"Cache-Control": "no-store"})


def app_or_404(client_id: str) -> OAuthApp:
    app = db.session.get(OAuthApp, client_id)
    if app is None:
        abort(404)
    return app


def list_page(form: dict[str, Any], error: str | None = None) -> str:
    apps = all_apps()
    counts = {app.client_id: authorized_workspaces(app.client_id) for app in apps}
    return render_template(
        "apps.html",
        apps=apps,
        counts=counts,
        form=form,
        error=error,
        catalogue=scopes_in_force(),
        extension_scopes=EXTENSION_SCOPES,
    )


@bp.get("/developer/apps")
def apps_page() -> str:
    return list_page(EMPTY_FORM)


@bp.post("/developer/apps")
def create_app_page() -> Response | tuple[str, int]:
    fields = submitted_fields()
    try:
        with current_state().write_lock:
            app, secret = register_app(fields)
    except RegistrationError as error:
        return list_page(fields, error.message), 400
    return secret_page(app, secret)


def app_page(app: OAuthApp, form: dict[str, Any] | None = None, error: str | None = None) -> str:
    current = {
        "name": app.name,
        "description": app.description,
        "homepage_url": app.homepage_url,
        "redirect_uris": app.redirect_uris,
        "scopes": app.scopes,
    }
    return render_template(
        "app.html",
        app=app,
        form=form or current,
        error=error,
        authorized=authorized_workspaces(app.client_id),
        catalogue=scopes_in_force(),
        extension_scopes=EXTENSION_SCOPES,
    )


@bp.get("/developer/apps/<client_id>")
def show_app_page(client_id: str) -> str:
    return app_page(app_or_404(client_id))


@bp.post("/developer/apps/<client_id>")
def edit_app_page(client_id: str) -> str | tuple[str, int]:
    app = app_or_404(client_id)
    fields = submitted_fields()
    try:
        with current_state().write_lock:
            update_app(app, fields)
    except RegistrationError as error:
        db.session.rollback()
        return app_page(app, fields, error.message), 400
    return app_page(app)


@bp.post("/developer/apps/<client_id>/rotate-secret")
def rotate_secret_page(client_id: str) -> Response:
    app = app_or_404(client_id)
    with current_state().write_lock:
        secret = rotate_secret(app)
    return secret_page(app, secret)


@bp.post("/developer/apps/<client_id>/delete")
def delete_app_page(client_id: str) -> BaseResponse:
    with current_state().write_lock:
        delete_app(app_or_404(client_id))
    return redirect("/settings/developer/apps", code=303)


def user_named(username: str | None) -> User | None:
    if not username:
        return None
    return db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()


@bp.get("/apps")
def authorized_apps_page() -> str:
    user = user_named(request.args.get("user"))
    usernames = db.session.execute(db.select(User.username).order_by(User.username)).scalars()
    apps = apps_authorized_by(user) if user else []
    return render_template("authorized_apps.html", user=user, apps=apps, usernames=list(usernames))


@bp.post("/apps/revoke")
def revoke_page() -> BaseResponse:
    user = user_named(request.form.get("user"))
    if user is None:
        abort(400)
    with current_state().write_lock:
        revoke_user_authorization(user, request.form.get("client_id", ""))
    return redirect(f"/settings/apps?user={user.username}", code=303)
