"""F7: users revoke an app from their settings; deleting an app revokes all its tokens."""

import re

import requests

from fsckmsft_sandbox.testing import OAuthFlow


def test_user_revoke_stops_api_access_and_refresh(flow: OAuthFlow) -> None:
    tokens = flow.tokens("ada")
    flow.server.revoke("ada", flow.app["client_id"])
    assert flow.api(tokens["access_token"]).status_code == 401
    refreshed = flow.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"


def test_user_revoke_leaves_other_users_authorizations(flow: OAuthFlow) -> None:
    linus = flow.tokens("linus")
    flow.tokens("ada")
    flow.server.revoke("ada", flow.app["client_id"])
    assert flow.api(linus["access_token"]).status_code == 200


def test_user_revoke_leaves_the_users_other_apps(flow: OAuthFlow, new_app: dict) -> None:
    other = flow.for_app(new_app).tokens("ada")
    flow.server.revoke("ada", flow.app["client_id"])
    assert flow.api(other["access_token"]).status_code == 200


def test_user_revoke_also_voids_unused_codes(flow: OAuthFlow) -> None:
    code = flow.code("ada")
    flow.server.revoke("ada", flow.app["client_id"])
    assert flow.exchange(code).json()["error"] == "invalid_grant"


def test_authorized_apps_page_lists_the_app_and_revokes_it(flow: OAuthFlow) -> None:
    tokens = flow.tokens("grace")
    page = requests.get(flow.server.url + "/settings/apps", params={"user": "grace"}, timeout=10)
    assert "Conformance Integration" in page.text
    assert re.search(r'<button type="submit">Revoke</button>', page.text)
    answer = requests.post(
        flow.server.url + "/settings/apps/revoke",
        timeout=10,
        data={"user": "grace", "client_id": flow.app["client_id"]},
    )
    assert answer.status_code == 200
    assert "Conformance Integration" not in answer.text
    assert flow.api(tokens["access_token"]).status_code == 401


def test_deleting_an_app_revokes_all_of_its_tokens(flow: OAuthFlow, new_app: dict) -> None:
    second = flow.for_app(new_app)
    ada, linus = second.tokens("ada"), second.tokens("linus")
    answer = requests.delete(f"{flow.server.url}/_sandbox/apps/{new_app['client_id']}", timeout=10)
    assert answer.status_code == 204
    assert second.api(ada["access_token"]).status_code == 401
    assert second.api(linus["access_token"]).status_code == 401


def test_deleted_app_can_no_longer_authenticate_or_authorize(
    flow: OAuthFlow, new_app: dict
) -> None:
    second = flow.for_app(new_app)
    refresh_token = second.tokens("ada")["refresh_token"]
    code = second.code("linus")
    requests.delete(f"{flow.server.url}/_sandbox/apps/{new_app['client_id']}", timeout=10)
    assert second.refresh(refresh_token).status_code == 401
    assert second.exchange(code).status_code == 401
    page = requests.get(second.authorize_url(), allow_redirects=False, timeout=10)
    assert page.status_code == 400


def test_authorized_workspaces_counts_active_authorizations(flow: OAuthFlow) -> None:
    def count() -> int:
        url = f"{flow.server.url}/_sandbox/apps/{flow.app['client_id']}"
        return requests.get(url, timeout=10).json()["authorized_workspaces"]

    assert count() == 0
    flow.tokens("grace", "ws_grace_navy")
    flow.tokens("grace", "ws_grace_lectures")
    flow.tokens("ada")
    assert count() == 3
    flow.server.revoke("grace", flow.app["client_id"])
    assert count() == 1
