"""An app its proxy mounts under a path: the redirect URI is <origin>/fsckmsft/callback, the
app is told its prefix (SCRIPT_NAME, e.g. gunicorn's environment variable) and still serves
its callback at /callback.

Every redirect the app makes must stay under the prefix, or the browser leaves the app.
"""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.flow import csrf_token, local_path

PREFIX = "/fsckmsft"
# What the test client sends as SCRIPT_NAME: the prefix the proxy stripped.
MOUNTED = f"http://localhost{PREFIX}"


def connect_mounted(web: FlaskClient, sandbox: SandboxServer) -> str:
    """The Connect flow through the prefix; answers where the callback sends the browser."""
    login = web.get("/login", base_url=MOUNTED)
    callback_url = sandbox.approve(login.headers["Location"], "ada")
    callback = web.get(local_path(callback_url), base_url=MOUNTED)
    assert callback.status_code == 302
    return callback.headers["Location"]


def test_the_flow_stays_under_the_path_the_proxy_mounts_the_app_at(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    assert connect_mounted(web, sandbox) == f"{PREFIX}/dashboard"
    dashboard = web.get("/dashboard", base_url=MOUNTED).get_data(as_text=True)
    link = re.search(rf'href="{PREFIX}(/disconnect/confirm\?connection=([^"]+))"', dashboard)
    assert link, "the dashboard's Disconnect link is not under the prefix"
    confirm = web.get(link.group(1), base_url=MOUNTED).get_data(as_text=True)
    assert f'action="{PREFIX}/disconnect"' in confirm
    disconnected = web.post(
        "/disconnect",
        data={"csrf_token": csrf_token(web), "connection_id": link.group(2)},
        base_url=MOUNTED,
    )
    assert disconnected.status_code == 303 and disconnected.headers["Location"] == f"{PREFIX}/"

    connect_mounted(web, sandbox)
    logout = web.post("/logout", data={"csrf_token": csrf_token(web)}, base_url=MOUNTED)
    assert logout.status_code == 303 and logout.headers["Location"] == f"{PREFIX}/"
