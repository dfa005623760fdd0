"""Connect with fsckmsft: /login, /callback, /logout, /disconnect.

Step 1 (/login) sends the browser to fsckmsft's authorize endpoint with a fresh state.
Step 2 (/callback) checks that state, then (step 3) exchanges the code on the server.
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import parse_qs, urlsplit

from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from flask import Blueprint, Response, current_app, redirect, render_template, request, session

from ..events.flow import preview, record
from ..fsckmsft.errors import (
    ApiError,
    BadTokenResponse,
    FsckmsftError,
    InvalidClient,
    InvalidGrant,
    OutcomeUnknown,
    PlatformUnavailable,
    RateLimited,
)
from ..fsckmsft.token_response import TokenSet
from ..fsckmsft.token_service import AccessToken
from ..services import services
from ..services.connections import disconnect as disconnect_connection
from ..services.connections import login_states, save_connection
from ..services.login_states import InvalidState, new_browser_id
from .safe_redirect import safe_next_path
from .session_user import connection_ids, forget_connection, start_session

blueprint = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def _browser_id() -> str:
    if not isinstance(session.get("browser_id"), str):
        session["browser_id"] = new_browser_id()
    return session["browser_id"]


@blueprint.get("/login")
def login() -> Response:
    config = current_app.config
    if not config["FSCKMSFT_CLIENT_ID"]:
        return _problem("not_configured", 503)
    code_verifier = generate_token(64) if config["FSCKMSFT_USE_PKCE"] else None
    state = login_states().start(
        browser_id=_browser_id(),
        code_verifier=code_verifier,
        next_path=safe_next_path(request.args.get("next")),
        now=services().clock.now(),
    )
    client = OAuth2Session(
        config["FSCKMSFT_CLIENT_ID"],
        scope=" ".join(services().manifest.registration.scopes),
        # Always the configured URI, never one built from the Host header: a forged Host
        # must not steer the authorization code to another site.
        redirect_uri=config["FSCKMSFT_REDIRECT_URI"],
        code_challenge_method="S256",
    )
    url, _ = client.create_authorization_url(
        f"{config['FSCKMSFT_AUTH_URL']}/oauth/authorize", state=state, code_verifier=code_verifier
    )
    record(
        "authorize_redirect",
        url=url.split("?")[0],
        client_id=config["FSCKMSFT_CLIENT_ID"],
        redirect_uri=config["FSCKMSFT_REDIRECT_URI"],
        scope=" ".join(services().manifest.registration.scopes),
        state=preview(state),
        state_stored_as=_state_fingerprint(state),
        code_verifier=preview(code_verifier),
        # The challenge is public (it travels in the URL); only the verifier is secret.
        code_challenge=parse_qs(urlsplit(url).query).get("code_challenge", [""])[0],
        code_challenge_method="S256" if code_verifier else "",
    )
    response = redirect(url, 302)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/callback")
def callback() -> Response:
    # The state must match one this browser started, or an attacker could complete a
    # login with their own code in the victim's browser (login CSRF). Checked first,
    # before anything else in the URL is trusted, and before any call to fsckmsft.
    try:
        pending = login_states().consume(
            state=request.args.get("state"),
            browser_id=session.get("browser_id"),
            now=services().clock.now(),
        )
    except InvalidState:
        _record_state_check(matched=False)
        return _problem("invalid_state", 400)
    _record_state_check(matched=True)
    if request.args.get("error") == "access_denied":
        return _problem("access_denied", 200)  # the user said no: not an error of ours
    if "error" in request.args:
        return _problem("authorize_error", 400)
    code = request.args.get("code", "")
    if not code or len(code) > 2048:
        return _problem("missing_code", 400)
    try:
        tokens = services().token_endpoint.exchange_code(
            code=code,
            redirect_uri=current_app.config["FSCKMSFT_REDIRECT_URI"],
            code_verifier=pending.code_verifier,
        )
        identity = _identity(tokens)
    except (OutcomeUnknown, PlatformUnavailable, RateLimited):
        # Never retried blindly: the code is single-use and may already be spent.
        return _problem("exchange_unavailable", 502)
    except (InvalidGrant, BadTokenResponse, ApiError):
        return _problem("exchange_failed", 400)
    except InvalidClient:
        log.error("fsckmsft refused our client credentials: check FSCKMSFT_CLIENT_SECRET")
        return _problem("not_configured", 503)
    except FsckmsftError:
        return _problem("exchange_failed", 400)
    connection_id = save_connection(identity, tokens)
    start_session(
        user_id=identity["user"]["id"],
        username=identity["user"]["username"],
        connection_id=connection_id,
        # Kept, so logins still pending in other tabs of this browser can finish.
        browser_id=session["browser_id"],
    )
    _note_missing_scopes(tokens)
    return _clean_redirect(pending.next_path)


def _state_fingerprint(state: str | None) -> str:
    """A preview of the state's SHA-256: the form in which the app stores it."""
    return preview(hashlib.sha256(state.encode()).hexdigest()) if state else ""


def _record_state_check(*, matched: bool) -> None:
    returned = request.args.get("state")
    record(
        "state_checked",
        returned=preview(returned),
        looked_up_as=_state_fingerprint(returned),
        matched=matched,
        # What fsckmsft sent back besides the state: a code, or an error such as access_denied.
        answer=request.args.get("error", "")[:40] or ("code" if "code" in request.args else ""),
    )


def _identity(tokens: TokenSet) -> dict:
    """Ask fsckmsft who approved, and for which workspace (GET /v1/me)."""
    api = services().api
    response = api.send("GET", "/v1/me", AccessToken(tokens.access_token, 0, tokens.scopes))
    record("api_call", method="GET", path="/v1/me", status=response.status_code)
    problem = ApiError(response.status_code, "could not read who approved the connection")
    if response.status_code != 200:
        raise problem
    try:
        identity = response.json()
        for part, keys in (("user", ("id", "username")), ("workspace", ("id", "name"))):
            for key in keys:
                identity[part][key] = str(identity[part][key])
    except (ValueError, KeyError, TypeError):
        raise problem from None
    return identity


def _note_missing_scopes(tokens: TokenSet) -> None:
    missing = services().requested_scopes - tokens.scopes
    if missing:
        session["missing_scopes"] = sorted(missing)


def _clean_redirect(path: str) -> Response:
    """302 to a URL without code or state, so neither lands in history or a Referer."""
    response = redirect(path, 302)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _problem(kind: str, status: int) -> Response:
    response = current_app.make_response((render_template("auth/problem.html", kind=kind), status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blueprint.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect("/", 303)


def _own_origins() -> set[str]:
    """This site as browsers see it: the public origin of the configured callback (behind
    a TLS-terminating proxy the request itself looks like plain http), and the request's."""
    public = urlsplit(current_app.config["FSCKMSFT_REDIRECT_URI"])
    return {f"{public.scheme}://{public.netloc}", request.host_url.rstrip("/")}


@blueprint.post("/disconnect")
def disconnect() -> Response:
    # CSRF token checked by Flask-WTF; the Origin check is a second line of defence
    # against another site submitting this form in the user's browser.
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") not in _own_origins():
        return _problem("bad_origin", 403)
    connection_id = request.form.get("connection_id", "")
    if connection_id in connection_ids():
        disconnect_connection(connection_id)
        forget_connection(connection_id)
    return redirect("/", 303)
