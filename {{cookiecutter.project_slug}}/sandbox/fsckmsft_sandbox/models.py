"""The sandbox's database: users, workspaces, projects, tasks, OAuth apps, codes and tokens.

Tokens implement Authlib's TokenMixin, for its resource protector. The token endpoint reads
apps, codes and refresh tokens with Core statements into frozen records (`oauth/`).
Secrets, codes and tokens are stored only as SHA-256 digests (see `credentials.digest`).
"""

import json
from typing import TYPE_CHECKING

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .config import ACCESS_TOKEN_LIFETIME, REFRESH_TOKEN_LIFETIME
from .state import sandbox_now


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


class OAuthApp(Model):
    """A registered OAuth app (an OAuth client, in RFC 6749's words).

    The admin API and the pages edit it; Authlib's grants read it as
    `oauth.clients.RegisteredClient`.
    """

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


class AuthorizationCode(Model):
    """A code the consent step issued; the token endpoint reads it as
    `oauth.authorization_codes.AuthorizationCodeRecord`."""

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


class RefreshTokenLife:
    """When a refresh token still works: shared by the stored token (`Token`) and the row
    the refresh grant reads (`oauth.refresh_tokens.RefreshTokenRecord`)."""

    issued_at: float
    refresh_used_at: float | None
    refresh_revoked_at: float | None
    revoked_at: float | None

    def refresh_usable(self) -> bool:
        """Unused, unrevoked, and used within the last 90 days (counted from its issue)."""
        fresh = sandbox_now() < self.issued_at + REFRESH_TOKEN_LIFETIME
        alive = self.refresh_revoked_at is None and self.revoked_at is None
        return fresh and alive and self.refresh_used_at is None


class Token(Model, RefreshTokenLife, TokenMixin):
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

    def is_live(self) -> bool:
        """Still grants access now or later: an authorization that counts as active."""
        return self.refresh_usable() or not (self.is_expired() or self.is_revoked())
