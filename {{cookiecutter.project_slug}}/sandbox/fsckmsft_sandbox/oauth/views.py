"""GET/POST /oauth/authorize (sign-in and consent) and POST /oauth/token."""

from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from flask import Blueprint, Response, render_template, request

from ..config import EXTENSION_SCOPES, SCOPES
from ..models import User, Workspace, db
from ..state import current_state
from .clients import RegisteredClient
from .connection import token_request
from .grants import AuthorizationCodeGrant, Grantee
from .server import authorization_server

bp = Blueprint("oauth", __name__, url_prefix="/oauth")

#: The consent form's own fields; everything else is the app's request, posted back as is.
CONSENT_FIELDS = ("username", "workspace", "decision")


def error_page(message: str, status: int = 400) -> tuple[str, int]:
    return render_template("error.html", message=message), status


def refuse_or_redirect(error: OAuth2Error) -> Response | tuple[str, int]:
    # Until the client and its exact redirect URI are known to be genuine, never redirect:
    # otherwise the authorize endpoint becomes an open redirector (RFC 6749 §4.1.2.1).
    if not error.redirect_uri:
        return error_page(error.get_error_description() or error.error)
    return authorization_server().handle_error_response(None, error)


def all_users() -> list[User]:
    return list(db.session.execute(db.select(User).order_by(User.username)).scalars())


def user_named(username: str | None) -> User | None:
    if not username:
        return None
    query = db.select(User).filter_by(username=username)
    return db.session.execute(query).scalar_one_or_none()


def workspaces_of(user: User) -> list[Workspace]:
    query = db.select(Workspace).filter_by(user_id=user.id).order_by(Workspace.position)
    return list(db.session.execute(query).scalars())


def consent_grant() -> AuthorizationCodeGrant:
    """Authlib's validation of the authorization request (raises OAuth2Error)."""
    try:
        return authorization_server().get_consent_grant()
    except ValueError:
        # Authlib refuses to quote parameters holding characters an error description may
        # not contain (RFC 6749 §5.2): such a request is malformed, and gets the error page.
        raise InvalidRequestError("The request has malformed parameters.") from None


def consent_page(
    grant: AuthorizationCodeGrant,
    params: dict[str, list[str]],
    signed_in: User | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The consent page for the signed-in sandbox user (the first one until another is
    picked): only that user's workspaces are offered."""
    app: RegisteredClient = grant.client
    hidden = [(k, v) for k, values in params.items() if k not in CONSENT_FIELDS for v in values]
    scopes = [
        (scope, SCOPES[scope], scope in EXTENSION_SCOPES) for scope in grant.request.scope.split()
    ]
    users = all_users()
    user = signed_in or users[0]
    # Each user's workspaces, so that picking another user swaps the list in the page.
    choices = {other.username: [[w.id, w.name] for w in workspaces_of(other)] for other in users}
    html = render_template(
        "consent.html",
        app=app,
        scopes=scopes,
        hidden=hidden,
        users=users,
        user=user,
        workspaces=workspaces_of(user),
        choices=choices,
        error=error,
        redirect_uri=grant.redirect_uri,
    )
    # The consent page must not be framed by another site (clickjacking the Approve button).
    return Response(
        html,
        status=status,
        headers={"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"},
    )


@bp.get("/authorize")
def authorize_page() -> Response | tuple[str, int]:
    try:
        grant = consent_grant()
    except OAuth2Error as error:
        return refuse_or_redirect(error)
    return consent_page(
        grant, request.args.to_dict(flat=False), user_named(request.args.get("username"))
    )


def chosen_grantee(user: User) -> Grantee | None:
    """The user and the workspace they picked, if it is one of theirs."""
    workspaces = workspaces_of(user)
    wanted = request.form.get("workspace") or workspaces[0].id
    if wanted not in {workspace.id for workspace in workspaces}:
        return None
    return Grantee(user.id, wanted)


@bp.post("/authorize")
def authorize_decision() -> Response | tuple[str, int]:
    server = authorization_server()
    try:
        grant = consent_grant()
    except OAuth2Error as error:
        return refuse_or_redirect(error)
    decision = request.form.get("decision")
    if decision not in ("approve", "deny"):
        return error_page("Choose Approve or Deny.")
    grantee = None
    if decision == "approve":
        user = user_named(request.form.get("username"))
        if user is None:
            return error_page("Pick one of the sandbox users to sign in as.")
        grantee = chosen_grantee(user)
        if grantee is None:
            # Back to the consent page for that user, with their own workspaces to pick from.
            return consent_page(
                grant,
                request.form.to_dict(flat=False),
                user,
                error=f"That workspace is not one of {user.username}'s: pick one of theirs.",
                status=400,
            )
    with current_state().write_lock:
        return server.create_authorization_response(grant.request, grant_user=grantee, grant=grant)


def malformed_token_request() -> str | None:
    """Why this request is not a well-formed token request, or None."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return "Send the request form-encoded (application/x-www-form-urlencoded)."
    # Credentials in the URL end up in server and proxy logs (RFC 6749 §2.3.1).
    if request.args:
        return "Send parameters in the request body, not the URL."
    if any(len(request.form.getlist(name)) > 1 for name in request.form):
        return "A parameter is repeated; send each parameter once."
    if not request.form.get("grant_type"):
        return "Missing 'grant_type' parameter."
    return None


@bp.post("/token")
def token() -> Response:
    server = authorization_server()
    problem = malformed_token_request()
    if problem:
        return server.handle_error_response(None, InvalidRequestError(problem))
    with token_request():
        try:
            return server.create_token_response()
        except OAuth2Error as error:  # e.g. plain http on a non-loopback host
            return server.handle_error_response(None, error)
