"""The life of an OAuth app: register, edit, rotate its secret, delete; users revoke it."""

from typing import Any

from .credentials import digest, new_client_id, new_client_secret
from .models import AuthorizationCode, OAuthApp, Token, User, db
from .registration import validate_registration
from .state import current_settings, sandbox_now


def register_app(
    fields: dict[str, Any], client_id: str | None = None, client_secret: str | None = None
) -> tuple[OAuthApp, str]:
    """Create the app; the secret is returned here once and stored only as a digest."""
    clean = validate_registration(fields)
    secret = client_secret or new_client_secret()
    app = OAuthApp(
        client_id=client_id or new_client_id(),
        secret_digest=digest(secret),
        name=clean["name"],
        description=clean.get("description", ""),
        homepage_url=clean["homepage_url"],
        scope=" ".join(clean["scopes"]),
        created_at=sandbox_now(),
    )
    app.redirect_uris = clean["redirect_uris"]
    db.session.add(app)
    db.session.commit()
    return app, secret


def update_app(app: OAuthApp, fields: dict[str, Any]) -> OAuthApp:
    clean = validate_registration(fields, partial=True)
    for name in ("name", "description", "homepage_url", "redirect_uris"):
        if name in clean:
            setattr(app, name, clean[name])
    if "scopes" in clean:
        app.scope = " ".join(clean["scopes"])
    db.session.commit()
    return app


def rotate_secret(app: OAuthApp) -> str:
    """A new secret; the old one fails from now on.

    Access tokens stay valid until they expire ("All previously issued access tokens remain
    valid"). Refresh tokens and pending codes die too under the `secret_rotation` switch's
    strict reading ("all existing tokens issued with the old secret will be invalidated").
    """
    secret = new_client_secret()
    app.secret_digest = digest(secret)
    if current_settings().rotation_invalidates_grants:
        invalidate_grants_of(app.client_id)
    db.session.commit()
    return secret


def invalidate_grants_of(client_id: str) -> None:
    """Every refresh token and unused code of the app dies; access tokens live on."""
    now = sandbox_now()
    tokens = db.select(Token).filter_by(client_id=client_id, refresh_revoked_at=None)
    for token in db.session.execute(tokens).scalars():
        token.refresh_revoked_at = now
    _spend_codes(db.select(AuthorizationCode).filter_by(client_id=client_id, used_at=None))


def _spend_codes(query: Any) -> None:
    now = sandbox_now()
    for code in db.session.execute(query).scalars():
        code.used_at = now


def _revoke(query: Any) -> int:
    now = sandbox_now()
    tokens = db.session.execute(query.where(Token.revoked_at.is_(None))).scalars().all()
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def delete_app(app: OAuthApp) -> None:
    """Remove the app and revoke every token and unused code it holds."""
    _revoke(db.select(Token).filter_by(client_id=app.client_id))
    _spend_codes(db.select(AuthorizationCode).filter_by(client_id=app.client_id, used_at=None))
    db.session.delete(app)
    db.session.commit()


def revoke_user_authorization(user: User, client_id: str) -> int:
    """The user's "Revoke" in account settings: every token of theirs for that app."""
    count = _revoke(db.select(Token).filter_by(user_id=user.id, client_id=client_id))
    _spend_codes(
        db.select(AuthorizationCode).filter_by(user_id=user.id, client_id=client_id, used_at=None)
    )
    db.session.commit()
    return count


def live_tokens(client_id: str, user_id: str | None = None) -> list[Token]:
    query = db.select(Token).filter_by(client_id=client_id).where(Token.revoked_at.is_(None))
    if user_id is not None:
        query = query.filter_by(user_id=user_id)
    return [token for token in db.session.execute(query).scalars() if token.is_live()]


def authorized_workspaces(client_id: str) -> int:
    """How many workspaces hold an active authorization for the app."""
    return len({token.workspace_id for token in live_tokens(client_id)})


def public_view(app: OAuthApp) -> dict[str, Any]:
    """The app as the admin API shows it: never the secret."""
    return {
        "client_id": app.client_id,
        "name": app.name,
        "description": app.description,
        "homepage_url": app.homepage_url,
        "redirect_uris": app.redirect_uris,
        "scopes": app.scopes,
        "authorized_workspaces": authorized_workspaces(app.client_id),
    }


def all_apps() -> list[OAuthApp]:
    return list(db.session.execute(db.select(OAuthApp).order_by(OAuthApp.created_at)).scalars())


def apps_authorized_by(user: User) -> list[OAuthApp]:
    """Apps the user has authorized and not revoked (their "Authorized apps" list)."""
    return [app for app in all_apps() if live_tokens(app.client_id, user.id)]
