"""docs/sandbox.md, run as written: register in the page, authorize, then its curl commands.

The curl commands are read from the document itself, so the walk-through cannot drift from
what the sandbox does.
"""

import re
import shlex
from pathlib import Path
from typing import Any

import requests

from fsckmsft_sandbox.testing import SandboxServer, query_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"
DOC_ORIGIN = "http://127.0.0.1:8001"


def walkthrough_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("## Walk-through", 1)[1].split("\n## ", 1)[0]


def code_blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


def curl_commands(section: str) -> list[list[str]]:
    """Each curl command of the walk-through, as argv (continuation lines joined)."""
    commands = []
    for block in code_blocks(section, "sh"):
        joined = block.replace("\\\n", " ").strip()
        if joined.startswith("curl"):
            commands.append(shlex.split(joined))
    return commands


def run_curl(argv: list[str], env: dict[str, str], sandbox: SandboxServer) -> requests.Response:
    """Send what this curl command would send (-X, -H, -d and the URL only); the API's calls
    go to the test sandbox's API origin (its own, in the strict profile)."""

    def expand(value: str) -> str:
        return re.sub(r"\$([A-Z_]+)", lambda m: env[m.group(1)], value)

    method, headers, data, url = "GET", {}, [], ""
    args = iter(argv[1:])
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, value = next(args).split(":", 1)
            headers[name.strip()] = expand(value.strip())
        elif arg == "-d":
            data.append(expand(next(args)))
            method = "POST" if method == "GET" else method
        else:
            origin = sandbox.api_url if arg.startswith(DOC_ORIGIN + "/v1/") else sandbox.url
            url = arg.replace(DOC_ORIGIN, origin)
    body = "&".join(data) if data else None
    return requests.request(method, url, headers=headers, data=body, timeout=10)


def register_through_the_page(sandbox: SandboxServer, section: str) -> dict[str, str]:
    rows = dict(re.findall(r"^\| (.+?) \| `?([^|`]+)`? \|$", section, flags=re.MULTILINE))
    form: dict[str, Any] = {
        "name": rows["Name"],
        "description": rows["Description"],
        "homepage_url": rows["Homepage URL"],
        "redirect_uris": rows["Redirect URIs"],
        "scopes": re.findall(r"`([a-z]+:[a-z]+)`", section.split("| Scopes |")[1].split("\n")[0]),
    }
    page = requests.post(sandbox.url + "/settings/developer/apps", data=form, timeout=10)
    assert page.status_code == 200
    found = {
        key: re.search(rf'id="{key}">([^<]+)<', page.text) for key in ("client-id", "client-secret")
    }
    client_id, client_secret = found["client-id"], found["client-secret"]
    assert client_id and client_secret, "the page shows no client id or secret"
    return {"CLIENT_ID": client_id.group(1), "CLIENT_SECRET": client_secret.group(1)}


def test_the_documented_walkthrough_runs_end_to_end(sandbox: SandboxServer) -> None:
    section = walkthrough_section()
    env = register_through_the_page(sandbox, section)
    authorize_url = code_blocks(section, "text")[0].strip()
    authorize_url = authorize_url.replace("YOUR_CLIENT_ID", env["CLIENT_ID"])
    location = sandbox.approve(authorize_url.replace(DOC_ORIGIN, sandbox.url), "ada")
    callback = query_of(location)
    assert location.startswith("http://localhost:9999/callback?")
    assert callback["state"] == "RANDOM_CSRF_TOKEN"
    env["CODE"] = callback["code"]

    exchange, projects, add_task, refresh = curl_commands(section)
    tokens = run_curl(exchange, env, sandbox)
    assert tokens.status_code == 200
    assert set(tokens.json()) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
    }
    env["ACCESS_TOKEN"] = tokens.json()["access_token"]
    env["REFRESH_TOKEN"] = tokens.json()["refresh_token"]

    listed = run_curl(projects, env, sandbox)
    assert listed.status_code == 200
    assert any(project["id"] == 1 for project in listed.json()["projects"])
    assert run_curl(add_task, env, sandbox).status_code == 201

    refreshed = run_curl(refresh, env, sandbox)
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] != env["REFRESH_TOKEN"]
    spent = run_curl(refresh, env, sandbox)
    assert spent.status_code == 400
    assert spent.json()["error"] == "invalid_grant"


def test_the_walkthrough_commands_match_the_platform_documentation() -> None:
    exchange, _, _, refresh = curl_commands(walkthrough_section())
    for command, grant in (
        (exchange, "grant_type=authorization_code"),
        (refresh, "grant_type=refresh_token"),
    ):
        assert command[:3] == ["curl", "-X", "POST"]
        assert "Content-Type: application/x-www-form-urlencoded" in command
        assert grant in command
        assert "client_id=$CLIENT_ID" in command
        assert "client_secret=$CLIENT_SECRET" in command
