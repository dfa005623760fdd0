"""Builds the platform edge from configuration, once per app.

Views and commands reach it through `services()`; tests can build their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app

from ..clock import Clock, clock_from_config
from ..config import parse_key_ring
from ..extensions import db
from ..fsckmsft.api import ApiClient
from ..fsckmsft.identity import identity_path
from ..fsckmsft.token_endpoint import TokenEndpoint
from ..fsckmsft.token_service import RefreshPolicy, TokenService
from ..manifest import Manifest, load_manifest
from ..tokens.cipher import TokenCipher


@dataclass
class Services:
    manifest: Manifest
    clock: Clock
    cipher: TokenCipher
    token_endpoint: TokenEndpoint
    token_service: TokenService
    api: ApiClient
    # The optional identity source's path on the API origin (fsckmsft/identity.py).
    identity_path: str | None
    # How long a connection stays reachable after a browser last presented it.
    retention: timedelta

    @property
    def requested_scopes(self) -> frozenset[str]:
        return frozenset(self.manifest.registration.scopes)


def build_services(app: Flask) -> Services:
    config = app.config
    manifest = load_manifest(config["MARKETPLACE_MANIFEST"])
    clock = clock_from_config(config)
    cipher = TokenCipher(parse_key_ring(config["TOKEN_ENCRYPTION_KEYS"]))
    endpoint = TokenEndpoint(
        token_url=f"{config['FSCKMSFT_AUTH_URL']}/oauth/token",
        client_id=config["FSCKMSFT_CLIENT_ID"],
        client_secret=config["FSCKMSFT_CLIENT_SECRET"],
        requested_scopes=frozenset(manifest.registration.scopes),
        timeout=config["FSCKMSFT_HTTP_TIMEOUT"],
        now=clock.now,
    )
    with app.app_context():
        engine = db.engine
    token_service = TokenService(
        engine=engine,
        cipher=cipher,
        endpoint=endpoint,
        now=clock.now,
        policy=RefreshPolicy(
            leeway=timedelta(seconds=config["REFRESH_LEEWAY_SECONDS"]),
            refresher_window=timedelta(seconds=config["REFRESHER_WINDOW_SECONDS"]),
            keepalive_after=timedelta(days=config["REFRESHER_KEEPALIVE_DAYS"]),
            cooldown_base=timedelta(seconds=config["REFRESH_COOLDOWN_SECONDS"]),
            keepalive_only=config["REFRESHER_MODE"] == "keepalive",
        ),
    )
    api = ApiClient(
        base_url=config["FSCKMSFT_API_URL"],
        token_service=token_service,
        timeout=config["FSCKMSFT_HTTP_TIMEOUT"],
    )
    return Services(
        manifest,
        clock,
        cipher,
        endpoint,
        token_service,
        api,
        identity_path=identity_path(config["FSCKMSFT_IDENTITY_URL"]),
        retention=timedelta(days=config["CONNECTION_RETENTION_DAYS"]),
    )


def services() -> Services:
    return current_app.extensions["fsckmsft"]
