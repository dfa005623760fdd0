"""F4 and F5: POST /oauth/token, the code exchange and the refresh, as documented."""

import sqlite3
import threading
import time

import pytest
from flask import Flask
from sqlalchemy import func, select

from fsckmsft_sandbox.models import Token, db
from fsckmsft_sandbox.oauth.authorization_codes import AuthorizationCodeRecord
from fsckmsft_sandbox.oauth.connection import connection
from fsckmsft_sandbox.oauth.grants import AuthorizationCodeGrant, RefreshTokenGrant
from fsckmsft_sandbox.oauth.refresh_tokens import RefreshTokenRecord
from fsckmsft_sandbox.testing import OAuthFlow

DAY = 24 * 3600


def test_token_response_has_exactly_the_documented_shape(flow: OAuthFlow) -> None:
    answer = flow.exchange(flow.code())
    body = answer.json()
    assert answer.status_code == 200
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "read:projects write:tasks"


def test_tokens_carry_their_prefixes_and_at_least_160_random_bits(flow: OAuthFlow) -> None:
    body = flow.tokens()
    assert body["access_token"].startswith("act_")
    assert body["refresh_token"].startswith("rft_")
    # token_urlsafe: 6 bits per character after the prefix.
    assert len(body["access_token"]) - 4 >= 27
    assert len(body["refresh_token"]) - 4 >= 27
    assert body["access_token"] != flow.tokens()["access_token"]


def test_token_responses_are_never_cached(flow: OAuthFlow) -> None:
    answer = flow.exchange(flow.code())
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Content-Type"].startswith("application/json")


def test_granted_scope_is_the_scope_the_user_approved(flow: OAuthFlow) -> None:
    assert flow.tokens(scope="read:projects")["scope"] == "read:projects"


def test_authorization_code_works_only_once(flow: OAuthFlow) -> None:
    code = flow.code()
    assert flow.exchange(code).status_code == 200
    again = flow.exchange(code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_replayed_authorization_code_revokes_the_tokens_it_produced(flow: OAuthFlow) -> None:
    code = flow.code()
    tokens = flow.exchange(code).json()
    flow.exchange(code)
    assert flow.api(tokens["access_token"]).status_code == 401
    assert flow.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_authorization_code_expires_after_sixty_seconds(flow: OAuthFlow) -> None:
    code = flow.code()
    flow.server.advance(60)
    answer = flow.exchange(code)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_authorization_code_works_just_before_sixty_seconds(flow: OAuthFlow) -> None:
    code = flow.code()
    flow.server.advance(55)
    assert flow.exchange(code).status_code == 200


def test_authorization_code_is_bound_to_its_client(flow: OAuthFlow, new_app: dict) -> None:
    code = flow.code()
    answer = flow.exchange(
        code, client_id=new_app["client_id"], client_secret=new_app["client_secret"]
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_authorization_code_is_bound_to_its_redirect_uri(flow: OAuthFlow) -> None:
    code = flow.code()
    answer = flow.exchange(code, redirect_uri="http://localhost:8000/callback")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_code_exchange_without_redirect_uri_is_refused(flow: OAuthFlow) -> None:
    answer = flow.exchange(flow.code(), redirect_uri=None)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_client_secret_basic_is_refused_with_invalid_client_401(flow: OAuthFlow) -> None:
    code = flow.code()
    answer = flow.token_request(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": flow.app["redirect_uris"][0],
        },
        auth=(flow.app["client_id"], flow.app["client_secret"]),
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert "WWW-Authenticate" in answer.headers


def test_wrong_client_secret_is_invalid_client_401(flow: OAuthFlow) -> None:
    answer = flow.exchange(flow.code(), client_secret="not-the-secret")
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert "invalid_client" in answer.headers["WWW-Authenticate"]


def test_unknown_client_is_invalid_client_401(flow: OAuthFlow) -> None:
    answer = flow.exchange(flow.code(), client_id="sbx_nobody")
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


def test_missing_client_secret_is_invalid_client_401(flow: OAuthFlow) -> None:
    answer = flow.exchange(flow.code(), client_secret=None)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


def test_only_the_two_documented_grant_types_are_supported(flow: OAuthFlow) -> None:
    for grant_type in ("client_credentials", "password", "implicit"):
        answer = flow.token_request({"grant_type": grant_type, **_credentials(flow)})
        assert answer.status_code == 400
        assert answer.json()["error"] == "unsupported_grant_type"


def test_missing_grant_type_is_invalid_request(flow: OAuthFlow) -> None:
    answer = flow.token_request(_credentials(flow))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_token_request_must_be_form_encoded(flow: OAuthFlow) -> None:
    code = flow.code()
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": flow.app["redirect_uris"][0],
        **_credentials(flow),
    }
    answer = flow.token_request(None, json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_credentials_in_the_url_are_refused(flow: OAuthFlow) -> None:
    answer = flow.token_request(
        {"grant_type": "refresh_token", "refresh_token": "rft_x"}, params=_credentials(flow)
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_repeated_parameters_are_invalid_request(flow: OAuthFlow) -> None:
    data = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "rft_a"),
        ("refresh_token", "rft_b"),
        *_credentials(flow).items(),
    ]
    answer = flow.token_request(data)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_refresh_answers_a_new_access_token_and_a_new_refresh_token(flow: OAuthFlow) -> None:
    first = flow.tokens()
    answer = flow.refresh(first["refresh_token"])
    second = answer.json()
    assert answer.status_code == 200
    assert set(second) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["refresh_token"].startswith("rft_")
    assert second["expires_in"] == 3600
    assert flow.api(second["access_token"]).status_code == 200


def test_refresh_token_works_only_once(flow: OAuthFlow) -> None:
    refresh_token = flow.tokens()["refresh_token"]
    assert flow.refresh(refresh_token).status_code == 200
    again = flow.refresh(refresh_token)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_refresh_token_is_bound_to_its_client(flow: OAuthFlow, new_app: dict) -> None:
    refresh_token = flow.tokens()["refresh_token"]
    answer = flow.refresh(
        refresh_token, client_id=new_app["client_id"], client_secret=new_app["client_secret"]
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_refresh_token_expires_after_90_days_without_use(flow: OAuthFlow) -> None:
    refresh_token = flow.tokens()["refresh_token"]
    flow.server.advance(90 * DAY)
    answer = flow.refresh(refresh_token)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_refresh_token_used_within_90_days_keeps_the_authorization_alive(flow: OAuthFlow) -> None:
    refresh_token = flow.tokens()["refresh_token"]
    for _ in range(3):
        flow.server.advance(89 * DAY)
        answer = flow.refresh(refresh_token)
        assert answer.status_code == 200
        refresh_token = answer.json()["refresh_token"]


def test_refresh_cannot_widen_the_granted_scope(flow: OAuthFlow) -> None:
    refresh_token = flow.tokens(scope="read:projects")["refresh_token"]
    answer = flow.refresh(refresh_token, scope="read:projects write:tasks")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"


def test_unknown_refresh_token_is_invalid_grant(flow: OAuthFlow) -> None:
    answer = flow.refresh("rft_made_up")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_concurrent_refreshes_of_one_token_succeed_exactly_once(flow: OAuthFlow) -> None:
    refresh_token = flow.tokens()["refresh_token"]
    statuses: list[int] = []
    errors: list[str] = []

    def refresh() -> None:
        answer = flow.refresh(refresh_token)
        statuses.append(answer.status_code)
        if answer.status_code != 200:
            errors.append(answer.json()["error"])

    threads = [threading.Thread(target=refresh) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 1
    assert errors == ["invalid_grant"] * 11


def stored_pairs(app: Flask) -> int:
    """How many token pairs the sandbox has stored."""
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Token)).scalar_one()


def test_a_refresh_token_spent_after_its_check_buys_no_pair(
    flow: OAuthFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token is spent after this request checked it (the request's transaction holds
    SQLite's write lock, so only its own connection can write now): the conditional spend
    must still answer invalid_grant and store no new pair."""
    refresh_token = flow.tokens()["refresh_token"]
    app = flow.server.app
    checked = RefreshTokenGrant.authenticate_user

    def spent_meanwhile(grant: RefreshTokenGrant, token: RefreshTokenRecord) -> object:
        connection().execute(
            "UPDATE sandbox_tokens SET refresh_used_at = ? WHERE id = ?", (time.time(), token.id)
        )
        return checked(grant, token)

    monkeypatch.setattr(RefreshTokenGrant, "authenticate_user", spent_meanwhile)
    pairs_before = stored_pairs(app)
    answer = flow.refresh(refresh_token)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert stored_pairs(app) == pairs_before


def test_a_refresh_holds_the_write_lock_from_its_first_check(
    flow: OAuthFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process cannot write between a refresh's checks and its writes: the checks
    read the state the new pair is stored against."""
    refresh_token = flow.tokens()["refresh_token"]
    checked = RefreshTokenGrant.authenticate_user
    other_writer: list[str] = []

    def write_from_another_process(grant: RefreshTokenGrant, token: RefreshTokenRecord) -> object:
        other = sqlite3.connect(str(db.engine.url.database), timeout=0.1)
        try:
            other.execute("UPDATE sandbox_users SET username = username")
            other.commit()
            other_writer.append("wrote")
        except sqlite3.OperationalError as error:
            other_writer.append(str(error))
        finally:
            other.close()
        return checked(grant, token)

    monkeypatch.setattr(RefreshTokenGrant, "authenticate_user", write_from_another_process)
    assert flow.refresh(refresh_token).status_code == 200
    assert other_writer == ["database is locked"]


def test_a_code_spent_after_its_check_buys_no_pair(
    flow: OAuthFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The code is spent after this request checked it: the conditional spend must still
    answer invalid_grant and store no new pair."""
    code = flow.code()
    app = flow.server.app
    checked = AuthorizationCodeGrant.authenticate_user

    def spent_meanwhile(grant: AuthorizationCodeGrant, found: AuthorizationCodeRecord) -> object:
        connection().execute(
            "UPDATE sandbox_codes SET used_at = ? WHERE id = ?", (time.time(), found.id)
        )
        return checked(grant, found)

    monkeypatch.setattr(AuthorizationCodeGrant, "authenticate_user", spent_meanwhile)
    pairs_before = stored_pairs(app)
    answer = flow.exchange(code)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert stored_pairs(app) == pairs_before


def test_a_token_request_that_fails_midway_leaves_nothing_behind(
    flow: OAuthFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token endpoint keeps its connection between requests: what a failed request
    wrote before failing must not be committed by the next one."""
    refresh_token = flow.tokens()["refresh_token"]
    app = flow.server.app
    spend = RefreshTokenGrant.revoke_old_credential

    def broken(grant: RefreshTokenGrant, token: RefreshTokenRecord) -> None:
        raise RuntimeError("a bug after the new pair was written")

    pairs_before = stored_pairs(app)
    monkeypatch.setattr(RefreshTokenGrant, "revoke_old_credential", broken)
    assert flow.refresh(refresh_token).status_code == 500
    monkeypatch.setattr(RefreshTokenGrant, "revoke_old_credential", spend)
    assert flow.refresh(refresh_token).status_code == 200
    assert stored_pairs(app) == pairs_before + 1


def _credentials(flow: OAuthFlow) -> dict[str, str]:
    return {"client_id": flow.app["client_id"], "client_secret": flow.app["client_secret"]}
