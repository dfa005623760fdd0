"""The API documents no response bodies: an answer of another shape is a clear error for
the user and a log line naming the call, never a 500 and never a silently wrong page."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Connection
from {{ cookiecutter.project_slug }}.tokens.cipher import token_associated_data

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import app_config, migrated_app, requesting_api_scopes
from tests.helpers.fake_api import Answer, FakeApi
from tests.helpers.flow import connect, connection_id_in, csrf_token

GOOD = {"projects": [{"id": 7, "name": "Seven"}]}


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with FakeApi() as fake:
        fake.answers["GET /v1/projects"] = Answer(body=json.dumps(GOOD).encode())
        yield fake


@pytest.fixture
def web(
    database_url: str, sandbox: SandboxServer, api: FakeApi, tmp_path: Path
) -> Iterator[FlaskClient]:
    """A browser connected through the real sandbox, whose API calls reach the fake (the
    app requests the API's scopes, whatever this project asks for)."""
    app: Flask = migrated_app(
        app_config(
            database_url,
            sandbox.url,
            FSCKMSFT_API_URL=api.url,
            **requesting_api_scopes(sandbox, tmp_path),
        )
    )
    browser = app.test_client()
    assert connect(browser, sandbox).status_code == 302
    yield browser
    with app.app_context():
        db.engine.dispose()


def stored_tokens(app: Flask) -> list[str]:
    """The connection's tokens, decrypted from the app's database."""
    cipher = app.extensions["fsckmsft"].cipher
    with app.app_context():
        row = db.session.scalars(db.select(Connection)).one()
        return [
            cipher.decrypt(
                getattr(row, f"{column}_ciphertext"),
                associated_data=token_associated_data(row.id, column),
            )
            for column in ("access_token", "refresh_token")
        ]


@pytest.mark.parametrize(
    "answer",
    [
        Answer(body=b'[{"id": 1, "name": "bare list"}]'),
        Answer(body=b'{"data": [{"id": 1, "name": "wrapped"}]}'),
        Answer(body=b"<html><body>Sign in</body></html>", content_type="text/html"),
        Answer(body=b""),
        Answer(body=b'{"projects": [{"title": "no name"}]}'),
        Answer(body=b'{"projects": "none"}'),
        Answer(status=204),
    ],
    ids=["bare-list", "data-wrapper", "html", "empty", "item-shape", "not-a-list", "no-content"],
)
def test_unexpected_projects_answer_is_a_clear_error_never_no_projects_yet(
    web: FlaskClient,
    api: FakeApi,
    answer: Answer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api.answers["GET /v1/projects"] = answer
    with caplog.at_level(logging.WARNING):
        page = web.get("/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "does not understand" in html and "No projects yet" not in html
    assert "fsckmsft answered GET /v1/projects" in caplog.text
    assert not any(token in caplog.text for token in stored_tokens(web.application))


@pytest.mark.parametrize(
    "body",
    [
        b'{"projects": [{"id": 7, "name": "Seven"}]}',  # ids as numbers, no task count
        b'{"projects": [{"id": "p7", "name": "Seven", "task_count": 2, "colour": "red"}],'
        b' "next": null}',  # extra members
    ],
    ids=["numeric-id-no-count", "extra-members"],
)
def test_legal_variations_of_the_projects_answer_are_shown(
    web: FlaskClient, api: FakeApi, body: bytes
) -> None:
    api.answers["GET /v1/projects"] = Answer(
        body=body, content_type="application/json; charset=utf-8"
    )
    html = web.get("/dashboard").get_data(as_text=True)
    assert "Seven" in html and "does not understand" not in html


def test_an_empty_projects_list_says_no_projects_yet(web: FlaskClient, api: FakeApi) -> None:
    api.answers["GET /v1/projects"] = Answer(body=b'{"projects": []}')
    assert "No projects yet" in web.get("/dashboard").get_data(as_text=True)


def post_task(web: FlaskClient) -> str:
    dashboard = web.get("/dashboard").get_data(as_text=True)
    connection_id = connection_id_in(dashboard)
    response = web.post(
        "/dashboard/tasks",
        data={
            "csrf_token": csrf_token(web, "/dashboard"),
            "connection_id": connection_id,
            "project_id": "7",
            "title": "Shaped",
        },
    )
    assert response.status_code == 303
    return web.get("/dashboard").get_data(as_text=True)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=201, body=b'{"task": {"id": 1, "title": "Shaped", "project_id": 7}}'),
        Answer(status=201),
        Answer(status=204),
        Answer(status=200, body=b'{"task": {"id": "t1", "title": "Shaped", "extra": true}}'),
    ],
    ids=["documented-shape", "created-no-body", "no-content", "extra-members"],
)
def test_legal_task_creation_answers_say_added(
    web: FlaskClient, api: FakeApi, answer: Answer
) -> None:
    api.answers["POST /v1/projects/<id>/tasks"] = answer
    assert "Added “Shaped”" in post_task(web)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=201, body=b'[{"id": 1}]'),
        Answer(status=200, body=b"<html>ok</html>", content_type="text/html"),
        Answer(status=201, body=b'{"data": {"id": 1}}'),
    ],
    ids=["bare-list", "html", "data-wrapper"],
)
def test_unexpected_task_creation_answer_says_check_before_retrying(
    web: FlaskClient, api: FakeApi, answer: Answer, caplog: pytest.LogCaptureFixture
) -> None:
    api.answers["POST /v1/projects/<id>/tasks"] = answer
    with caplog.at_level(logging.WARNING):
        html = post_task(web)
    assert "check whether the task was added" in html and "Added" not in html
    assert "POST /v1/projects/<id>/tasks" in caplog.text
