"""The sandbox's database: users, workspaces, projects, tasks, OAuth apps, codes and tokens.

Apps, codes and tokens implement Authlib's model mixins, so Authlib's grants can use them.
Secrets, codes and tokens are stored only as SHA-256 digests (see `credentials.digest`).
"""

import json
from typing import TYPE_CHECKING

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .config import ACCESS_TOKEN_LIFETIME, REFRESH_TOKEN_LIFETIME
from .credentials import matches
from .state import (
    accepted_client_auth_methods,
    current_settings,
    sandbox_now,
    scopes_in_force,
)


class SandboxBase(DeclarativeBase):
    """The sandbox's tables: a metadata of their own, apart from the app's."""


db = SQLAlchemy(model_class=SandboxBase)

# Flask-SQLAlchemy builds db.Model out of SandboxBase at run time; a type checker cannot
# see a class made at run time, so it is told the class that one is built from.
if TYPE_CHECKING:
    Model = SandboxBase
else:
    Model = db.Model


class User(Model):
    __tablename__ = "sandbox_users"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)


class Workspace(Model):
    __tablename__ = "sandbox_workspaces"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[str] = mapped_column(ForeignKey("sandbox_users.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class Project(Model):
    __tablename__ = "sandbox_projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("sandbox_workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))


class Task(Model):
    __tablename__ = "sandbox_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("sandbox_projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))


class OAuthApp(Model, ClientMixin):
    """A registered OAuth app (an OAuth client, in RFC 6749's words)."""

    __tablename__ = "sandbox_apps"
    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    secret_digest: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    homepage_url: Mapped[str] = mapped_column(Text)
    redirect_uris_json: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column()

    @property
    def redirect_uris(self) -> list[str]:
        return list(json.loads(self.redirect_uris_json))

    @redirect_uris.setter
    def redirect_uris(self, uris: list[str]) -> None:
        self.redirect_uris_json = json.dumps(list(uris))

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # redirect_uri is required by the documentation: there is no default to fall back to.
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        # An app may only request scopes it declared (and that exist: an undocumented scope
        # only while its extension is on); None makes Authlib answer invalid_scope.
        requested = (scope or "").split()
        if not requested or not set(requested) <= set(self.scopes) & set(scopes_in_force()):
            return None
        return " ".join(dict.fromkeys(requested))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string match only: prefix or pattern matching lets an attacker register a
        # look-alike path and steal codes (open redirect / code interception).
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return matches(client_secret, self.secret_digest)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in accepted_client_auth_methods()

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


class AuthorizationCode(Model, AuthorizationCodeMixin):
    __tablename__ = "sandbox_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(100), index=True)
    user_id: Mapped[str] = mapped_column(String(40))
    workspace_id: Mapped[str] = mapped_column(String(40))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(Text, nullable=True)
    code_challenge_method: Mapped[str | None] = mapped_column(String(10), nullable=True)
    issued_at: Mapped[float] = mapped_column()
    used_at: Mapped[float | None] = mapped_column(nullable=True)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        # "Short-lived" is all the documentation says: the `code_lifetime` switch.
        return sandbox_now() >= self.issued_at + current_settings().code_lifetime


class Token(Model, TokenMixin):
    """One access token and the refresh token issued with it."""

    __tablename__ = "sandbox_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), index=True)
    user_id: Mapped[str] = mapped_column(String(40), index=True)
    workspace_id: Mapped[str] = mapped_column(String(40))
    code_id: Mapped[int] = mapped_column(index=True)
    scope: Mapped[str] = mapped_column(Text)
    access_digest: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_digest: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[float] = mapped_column()
    expires_in: Mapped[int] = mapped_column(default=ACCESS_TOKEN_LIFETIME)
    refresh_used_at: Mapped[float | None] = mapped_column(nullable=True)
    # The refresh token alone died (a secret rotation); the access token lives on.
    refresh_revoked_at: Mapped[float | None] = mapped_column(nullable=True)
    revoked_at: Mapped[float | None] = mapped_column(nullable=True)

    def check_client(self, client: ClientMixin) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return sandbox_now() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def refresh_usable(self) -> bool:
        """Unused, unrevoked, and used within the last 90 days (counted from its issue)."""
        fresh = sandbox_now() < self.issued_at + REFRESH_TOKEN_LIFETIME
        alive = self.refresh_revoked_at is None and self.revoked_at is None
        return fresh and alive and self.refresh_used_at is None

    def is_live(self) -> bool:
        """Still grants access now or later: an authorization that counts as active."""
        return self.refresh_usable() or not (self.is_expired() or self.is_revoked())
