"""What the dashboard and the pages around it say: disconnect (with a confirmation step and
the truth about the grant on fsckmsft), logout, counts, the icon."""

from __future__ import annotations

import re

import requests
from flask import Flask
from flask.testing import FlaskClient

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import MANIFEST
from tests.helpers.flow import connect, csrf_token


def disconnect_link(web: FlaskClient) -> str:
    match = re.search(r'href="(/disconnect/confirm\?connection=[^"]+)"', web.get("/dashboard").text)
    assert match, "the dashboard offers no Disconnect"
    return match.group(1)


def test_the_dashboard_offers_disconnect_for_the_connection_shown(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox, "grace")
    shown = re.search(r'name="connection_id" value="([^"]+)"', web.get("/dashboard").text)
    link = disconnect_link(web)
    assert shown and link.endswith(f"connection={shown.group(1)}")
    assert web.get(link).status_code == 200


def test_disconnect_asks_first_and_changes_nothing_until_confirmed(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    page = web.get(disconnect_link(web)).text
    assert 'action="/disconnect"' in page and "Cancel" in page
    assert f"{sandbox.url}/settings/apps" in page  # where the grant is revoked
    assert "Difference Engine" in web.get("/dashboard").text  # still connected


def test_disconnect_says_what_happened_and_where_to_revoke_the_grant(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    form = web.get(disconnect_link(web)).text
    field = re.search(r'name="connection_id" value="([^"]+)"', form)
    assert field, "the confirmation page has no form"
    connection_id = field.group(1)
    done = web.post(
        "/disconnect",
        data={"csrf_token": csrf_token(web), "connection_id": connection_id},
        follow_redirects=True,
    ).text
    assert "Disconnected " in done and "deleted its access tokens" in done
    assert f'href="{sandbox.url}/settings/apps"' in done
    # What the message claims: the grant still stands on fsckmsft until the user revokes it.
    grants = requests.get(f"{sandbox.url}/settings/apps", params={"user": "ada"}, timeout=10)
    assert MANIFEST.registration.name in grants.text


def test_a_foreign_connection_has_no_confirmation_page(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    assert web.get("/disconnect/confirm?connection=someone-elses").status_code == 404


def test_logout_says_the_grant_stands_until_revoked(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    page = web.post("/logout", data={"csrf_token": csrf_token(web)}, follow_redirects=True).text
    assert "You are logged out" in page and "until you revoke it" in page
    assert f'href="{sandbox.url}/settings/apps"' in page


def test_task_counts_are_pluralised(web: FlaskClient, sandbox: SandboxServer) -> None:
    connect(web, sandbox, "grace")
    dashboard = web.get("/dashboard").text
    assert re.search(r"Mark I\s*<span[^>]*>\(1 task\)</span>", dashboard)
    assert re.search(r"COBOL\s*<span[^>]*>\(3 tasks\)</span>", dashboard)
    assert "(1 tasks)" not in dashboard


def test_every_page_names_an_icon_that_exists(app: Flask, web: FlaskClient) -> None:
    page = web.get("/").text
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert icon and web.get(icon.group(1)).status_code == 200
    assert web.get("/favicon.ico", follow_redirects=True).status_code == 200
