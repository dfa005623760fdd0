"""The inspector shows each browser its own flow, in order, and never a whole secret."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Connection, LoginState
from {{ cookiecutter.project_slug }}.refresher import Refresher
from {{ cookiecutter.project_slug }}.tokens.cipher import token_associated_data

from tests.helpers.app import TEST_CLIENT_SECRET
from tests.helpers.flow import advance_clock, local_path, start_login
from tests.helpers.inspector import steps_shown

FIRST_FLOW = [
    "authorize_redirect",
    "state_checked",
    "token_request",
    "token_response",
    "tokens_stored",  # only documented steps: no identity call
    "connection_kept",
]


def connect(web: FlaskClient, sandbox: Any) -> dict[str, str]:
    """Connect as ada; answers the authorize request's and the callback's parameters."""
    authorize_url = start_login(web)
    callback = sandbox.approve(authorize_url, "ada")
    assert web.get(local_path(callback)).status_code == 302
    query = {key: values[0] for key, values in parse_qs(urlsplit(authorize_url).query).items()}
    returned = {key: values[0] for key, values in parse_qs(urlsplit(callback).query).items()}
    return {**query, "code": returned["code"]}


def page(web: FlaskClient) -> str:
    response = web.get("/inspector")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def stored_secrets(app: Flask) -> list[str]:
    """The connection's tokens and the PKCE verifier, decrypted from the database."""
    cipher = app.extensions["fsckmsft"].cipher
    with app.app_context():
        row = db.session.scalars(db.select(Connection)).one()
        tokens = [
            cipher.decrypt(
                getattr(row, f"{column}_ciphertext"),
                associated_data=token_associated_data(row.id, column),
            )
            for column in ("access_token", "refresh_token")
        ]
        verifiers = [
            cipher.decrypt(
                state.code_verifier_ciphertext,
                associated_data=f"login_states/{state.state_hash}",
            )
            for state in db.session.scalars(db.select(LoginState))
            if state.code_verifier_ciphertext
        ]
    return tokens + verifiers


def test_inspector_shows_the_steps_of_the_flow_in_order(web: FlaskClient, sandbox: Any) -> None:
    connect(web, sandbox)
    assert steps_shown(page(web)) == FIRST_FLOW
    assert web.get("/dashboard").status_code == 200
    assert steps_shown(page(web)) == [*FIRST_FLOW, "api_call"]  # GET /v1/projects


def test_inspector_draws_one_numbered_arrow_row_per_message(web: FlaskClient, sandbox: Any) -> None:
    connect(web, sandbox)
    html = page(web)
    assert "<svg" in html and 'marker-end="url(#head)"' in html
    assert "POST /oauth/token (authorization_code)" in html
    assert "GET /oauth/authorize (state, code_challenge)" in html
    assert "<script" not in html  # drawn on the server: nothing to run, nothing to fetch


def test_inspector_shows_state_comparison_and_pkce_challenge(
    web: FlaskClient, sandbox: Any
) -> None:
    sent = connect(web, sandbox)
    html = page(web)
    assert sent["code_challenge"] in html  # public: it travelled in the URL
    state_hash = hashlib.sha256(sent["state"].encode()).hexdigest()
    assert state_hash[:8] in html and state_hash not in html
    assert "<th>matched</th><td><code>yes</code>" in html


def test_inspector_never_shows_a_whole_token_code_or_secret(
    app: Flask, web: FlaskClient, sandbox: Any
) -> None:
    sent = connect(web, sandbox)
    first = stored_secrets(app)
    advance_clock(app, sandbox, 61 * 60)
    assert web.get("/dashboard").status_code == 200  # refreshes: a second pair of tokens
    html = page(web)
    assert "refreshed" in steps_shown(html)
    secrets = [sent["code"], sent["state"], TEST_CLIENT_SECRET, *first, *stored_secrets(app)]
    assert len(set(secrets)) == 8  # code, state, secret, two token pairs, the PKCE verifier
    for secret in secrets:
        assert secret not in html
    assert first[0][:8] in html  # the access token is recognisable by its prefix


def test_each_browser_sees_only_its_own_flow(app: Flask, web: FlaskClient, sandbox: Any) -> None:
    connect(web, sandbox)
    stranger = app.test_client()
    html = page(stranger)
    assert steps_shown(html) == [] and "No flow recorded for this browser" in html


def test_a_new_login_starts_a_new_flow_and_a_denial_shows_the_error(
    web: FlaskClient, sandbox: Any
) -> None:
    connect(web, sandbox)
    callback = sandbox.approve(start_login(web), "ada", decision="deny")
    assert web.get(local_path(callback)).status_code == 200
    html = page(web)
    assert steps_shown(html) == ["authorize_redirect", "state_checked"]
    assert "302 → /callback (access_denied, state)" in html


def test_refresher_thread_refreshes_appear_in_the_browser_timeline(
    app: Flask, web: FlaskClient, sandbox: Any
) -> None:
    connect(web, sandbox)
    advance_clock(app, sandbox, 61 * 60)
    result = Refresher(app.extensions["fsckmsft"]).sweep()  # no request, no browser
    assert result.outcomes, result
    shown = steps_shown(page(web))
    assert shown[len(FIRST_FLOW) :] == [
        "token_request",
        "token_response",
        "tokens_stored",
        "refreshed",
    ]
    assert "refreshed (refresher)" in page(web)


def test_an_identity_source_in_use_is_labelled_as_an_extension(
    tmp_path: Path, sandbox: Any
) -> None:
    from tests.helpers.app import migrated_app
    from tests.helpers.flow import api_url, enable_identity_extension
    from tests.helpers.inspector import inspector_config

    enable_identity_extension(sandbox)
    app = migrated_app(
        inspector_config(
            f"sqlite:///{tmp_path / 'app.db'}",
            sandbox.url,
            FSCKMSFT_API_URL=api_url(sandbox),
            FSCKMSFT_IDENTITY_URL=f"{api_url(sandbox)}/v1/me",
        )
    )
    web = app.test_client()
    connect(web, sandbox)
    html = page(web)
    assert steps_shown(html)[4] == "identity_read"
    assert "Extension in use: FSCKMSFT_IDENTITY_URL" in html
    assert "GET /v1/me (extension)" in html
    with app.app_context():
        db.engine.dispose()
