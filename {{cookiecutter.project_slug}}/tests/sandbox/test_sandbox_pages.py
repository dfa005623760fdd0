"""The HTML pages for people: Settings → Developer → OAuth Apps."""

import re

import requests

from fsckmsft_sandbox.testing import SandboxServer

FORM = {
    "name": "Page App",
    "description": "Registered through the page.",
    "homepage_url": "https://page.example.com",
    "redirect_uris": "https://page.example.com/callback\nhttp://localhost:9000/cb",
    "scopes": ["read:projects", "write:tasks"],
}


def secret_on(page: str) -> str:
    found = re.search(r'id="client-secret">([^<]+)<', page)
    assert found, page
    return found.group(1)


def client_id_on(page: str) -> str:
    found = re.search(r'id="client-id">([^<]+)<', page)
    assert found, page
    return found.group(1)


def create(sandbox: SandboxServer) -> requests.Response:
    return requests.post(sandbox.url + "/settings/developer/apps", data=FORM, timeout=10)


def test_oauth_apps_page_has_a_new_oauth_app_form(sandbox: SandboxServer) -> None:
    page = requests.get(sandbox.url + "/settings/developer/apps", timeout=10)
    assert page.status_code == 200
    assert "New OAuth App" in page.text
    for field in ("name", "description", "homepage_url", "redirect_uris", "scopes"):
        assert f'name="{field}"' in page.text


def test_new_oauth_app_shows_its_secret_once(sandbox: SandboxServer) -> None:
    created = create(sandbox)
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    secret, client_id = secret_on(created.text), client_id_on(created.text)
    settings = requests.get(f"{sandbox.url}/settings/developer/apps/{client_id}", timeout=10)
    listing = requests.get(sandbox.url + "/settings/developer/apps", timeout=10)
    assert secret not in settings.text
    assert secret not in listing.text
    assert "Page App" in listing.text


def test_new_oauth_app_form_reports_the_invalid_field(sandbox: SandboxServer) -> None:
    answer = requests.post(
        sandbox.url + "/settings/developer/apps",
        timeout=10,
        data={**FORM, "redirect_uris": "https://*.example.com/cb"},
    )
    assert answer.status_code == 400
    assert "redirect_uris" in answer.text


def test_app_page_generates_a_new_secret(sandbox: SandboxServer) -> None:
    client_id = client_id_on(create(sandbox).text)
    rotated = requests.post(
        f"{sandbox.url}/settings/developer/apps/{client_id}/rotate-secret", timeout=10
    )
    assert rotated.status_code == 200
    assert secret_on(rotated.text)


def test_app_page_edits_the_app(sandbox: SandboxServer) -> None:
    client_id = client_id_on(create(sandbox).text)
    edited = requests.post(
        f"{sandbox.url}/settings/developer/apps/{client_id}",
        timeout=10,
        data={**FORM, "name": "Renamed Page App"},
    )
    assert edited.status_code == 200
    shown = requests.get(f"{sandbox.url}/_sandbox/apps/{client_id}", timeout=10).json()
    assert shown["name"] == "Renamed Page App"


def test_app_page_shows_authorized_workspaces(sandbox: SandboxServer) -> None:
    client_id = client_id_on(create(sandbox).text)
    page = requests.get(f"{sandbox.url}/settings/developer/apps/{client_id}", timeout=10)
    assert re.search(r'id="authorized-workspaces">0<', page.text)


def test_app_page_deletes_the_app(sandbox: SandboxServer) -> None:
    client_id = client_id_on(create(sandbox).text)
    deleted = requests.post(f"{sandbox.url}/settings/developer/apps/{client_id}/delete", timeout=10)
    assert deleted.status_code == 200  # after the redirect to the list
    gone = requests.get(f"{sandbox.url}/_sandbox/apps/{client_id}", timeout=10)
    assert gone.status_code == 404


def test_settings_pages_refuse_cross_site_posts(sandbox: SandboxServer) -> None:
    answer = requests.post(
        sandbox.url + "/settings/developer/apps",
        data=FORM,
        timeout=10,
        headers={"Origin": "https://evil.example.net"},
    )
    assert answer.status_code == 403
