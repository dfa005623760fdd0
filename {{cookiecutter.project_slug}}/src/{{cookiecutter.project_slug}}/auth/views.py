"""Connect with fsckmsft: /login, /callback, /logout, /disconnect.

Step 1 (/login) sends the browser to fsckmsft's authorize endpoint with a fresh state.
Step 2 (/callback) checks that state, then (step 3) exchanges the code on the server.
Only documented endpoints are called: fsckmsft does not say who approved, so the new
connection belongs to this browser (see services/connections.py for how it is kept).

Which connection a login fills is decided when it starts, and kept with its state:
- `/login?connection=<id>` (Reconnect) renews that connection of this browser;
- `/login?new=1` (Connect another workspace) adds a connection;
- a plain `/login` in a browser that holds connections is a repeat login: it renews the
  one used most recently instead of adding another; in a browser with none, it adds one.
With an identity source (FSCKMSFT_IDENTITY_URL, an extension) the user and workspace it
names decide instead, so one user's two workspaces still make two connections.
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import parse_qs, urlsplit

from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
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

from ..config import missing_credentials
from ..events.flow import preview, record
from ..events.signals import browser_renewed
from ..fsckmsft.errors import (
    BadTokenResponse,
    FsckmsftError,
    InvalidClient,
    InvalidGrant,
    OutcomeUnknown,
    PlatformUnavailable,
    RateLimited,
)
from ..fsckmsft.identity import read_identity
from ..fsckmsft.token_response import TokenSet
from ..services import services
from ..services.connections import (
    connections_in_order,
    end_unreachable,
    login_states,
    save_connection,
)
from ..services.connections import disconnect as disconnect_connection
from ..services.login_states import InvalidState, new_browser_id
from .rate_limits import login_rate_limit
from .safe_redirect import safe_next_path
from .session_user import connection_ids, end_session, forget_connection, start_session

blueprint = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def _browser_id() -> str:
    if not isinstance(session.get("browser_id"), str):
        session["browser_id"] = new_browser_id()
    return session["browser_id"]


@blueprint.get("/login")
@login_rate_limit  # each call writes a pending-login row: bounded per client address
def login() -> Response:
    config = current_app.config
    missing = missing_credentials(config)
    if missing:
        log.error('%s not set: a user\'s "Connect" was refused.', " and ".join(missing))
        return _problem("not_configured", 503)
    code_verifier = generate_token(64) if config["FSCKMSFT_USE_PKCE"] else None
    state = login_states().start(
        browser_id=_browser_id(),
        code_verifier=code_verifier,
        next_path=safe_next_path(request.args.get("next")),
        now=services().clock.now(),
        renews=_connection_to_renew(),
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


def _connection_to_renew() -> str | None:
    """Which of this browser's connections the login renews (None: add a new one)."""
    mine = connection_ids()
    if request.args.get("new"):
        return None
    chosen = request.args.get("connection")
    if chosen is not None:
        return chosen if chosen in mine else None  # only ever one of this browser's own
    return mine[0] if mine else None  # a repeat login renews the most recent


#: Callback parameters that must appear at most once (RFC 6749 §3.1).
SINGLE_PARAMETERS = ("state", "code", "error")


@blueprint.get("/callback")
@login_rate_limit  # state lookups and code exchanges: bounded per client address
def callback() -> Response:
    # RFC 6749 §3.1: a parameter must not appear twice. A second `state` or `code` lets
    # an attacker smuggle a value past a check that reads the first one and an exchange
    # that reads another; refused before anything else is read, so nothing is spent.
    if any(len(request.args.getlist(name)) > 1 for name in SINGLE_PARAMETERS):
        return _problem("duplicate_parameter", 400)
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
        return _refused_state()
    _record_state_check(matched=True)
    if request.args.get("error") == "access_denied":
        return _problem("access_denied", 200)  # the user said no: not an error of ours
    if "error" in request.args:
        return _problem("authorize_error", 400)
    code = request.args.get("code", "")
    if not code or len(code) > 2048:
        return _problem("missing_code", 400)
    try:
        tokens = services().token_service.exchange_code(
            code=code,
            redirect_uri=current_app.config["FSCKMSFT_REDIRECT_URI"],
            code_verifier=pending.code_verifier,
        )
    except (OutcomeUnknown, PlatformUnavailable, RateLimited):
        # Never retried blindly: the code is single-use and may already be spent.
        return _problem("exchange_unavailable", 502)
    except (InvalidGrant, BadTokenResponse):
        return _problem("exchange_failed", 400)
    except InvalidClient:
        # The token service paused token calls and alerted the operator (once): refreshes
        # and every other login wait with this one until the credentials work again.
        return _problem("credentials_refused", 503)
    except FsckmsftError:
        return _problem("exchange_failed", 400)
    _keep_connection(tokens, pending.renews)
    _note_missing_scopes(tokens)
    # next_path is a path inside the app: under the prefix a proxy may mount it at.
    return _clean_redirect(request.script_root + pending.next_path)


def _keep_connection(tokens: TokenSet, renews: str | None) -> None:
    """Store the tokens on this login's connection and sign this browser in with it."""
    path = services().identity_path
    identity = read_identity(services().api, path, tokens) if path else None
    # Renew only a connection this browser still holds (it may have disconnected since).
    renews = renews if renews in connection_ids() else None
    connection_id = save_connection(tokens, identity=identity, renews=renews)
    record(
        "connection_kept",
        connection_id=connection_id,
        kept_as=_kept_as(identity is not None, renews is not None),
    )
    start_session(
        identity=identity,
        connection_id=connection_id,
        browser_id=_renew_browser_id(),
    )


def _kept_as(identified: bool, renewed: bool) -> str:
    """How the inspector names the way this login found its connection."""
    if identified:
        return "merged by user and workspace (identity source: an extension)"
    return "this browser's connection, renewed" if renewed else "a new connection of this browser"


def _refused_state() -> Response:
    """A callback whose state is not valid: refused, whatever the page then says.

    A reload of the callback, or Back and approve again, reuses a state this browser already
    spent: a connected user is told so (and sent to the dashboard), still without a token call.
    """
    spent = login_states().spent_here(
        state=request.args.get("state"), browser_id=session.get("browser_id")
    )
    if spent and connections_in_order(connection_ids()):
        return _problem("already_connected", 400)
    return _problem("invalid_state", 400)


def _renew_browser_id() -> str:
    """A new browser id at every login, this browser's other pending logins moved to it.

    A browser id planted before login (a cookie set by an attacker) is worthless after it:
    a login the attacker starts later under that id cannot complete in this browser.
    """
    renewed = new_browser_id()
    login_states().hand_over(
        from_browser=session["browser_id"], to_browser=renewed, now=services().clock.now()
    )
    # The app itself, not the proxy: receivers subscribe with sender=app. The proxy's typing
    # hides this method (Flask's own code ignores the same error).
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    browser_renewed.send(app, old=session["browser_id"], new=renewed)
    return renewed


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
    held = connection_ids()
    end_session()  # server-side: a copy of the cookie opens nothing afterwards
    end_unreachable(held)
    app_name = services().manifest.registration.name
    # The grant outlives the session (and any tokens the app let go of): say so, or users
    # think logging out ended the access.
    flash(
        f"You are logged out. fsckmsft still lists {app_name} among your authorized apps "
        "until you revoke it there.",
        "revoke",
    )
    return redirect(url_for("web.index"), 303)


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
        labels = [row.label for row in connections_in_order([connection_id])]
        disconnect_connection(connection_id)
        forget_connection(connection_id)
        app_name = services().manifest.registration.name
        # The app deleted its tokens; the grant on fsckmsft's side lives on until the user
        # revokes it there (the platform documents no revocation call for apps).
        flash(
            f"Disconnected {', '.join(labels)}: {app_name} deleted its access tokens. "
            f"fsckmsft still lists {app_name} among your authorized apps until you revoke it.",
            "revoke",
        )
    return redirect(url_for("web.index"), 303)


@blueprint.get("/disconnect/confirm")
def confirm_disconnect() -> str:
    """The confirmation step before POST /disconnect: what will happen, and what will not."""
    connection_id = request.args.get("connection", "")
    if connection_id not in connection_ids():
        abort(404)
    connection = next(iter(connections_in_order([connection_id])), None)
    if connection is None:
        abort(404)
    return render_template("auth/disconnect.html", connection=connection)
