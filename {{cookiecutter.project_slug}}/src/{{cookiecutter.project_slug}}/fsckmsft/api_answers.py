"""Reading the API's answers: what the app understands, and what it refuses to guess.

The platform documents the calls (`GET /v1/projects`, `POST /v1/projects/<id>/tasks`) but
no response bodies. The app reads the shape it was built for, `{"projects": [...]}` and
`{"task": {...}}`, and accepts what a platform may legally vary: extra members anywhere,
ids as numbers or strings, a missing task count, any JSON content type, and for task
creation any 2xx, with or without a body (201 Created, 204 No Content). Anything else (a
bare list, `{"data": [...]}`, HTML, an empty list body) is an UnexpectedAnswer: the user
sees an error, never "No projects yet" for an answer the app did not understand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests

from .errors import UnexpectedAnswer

log = logging.getLogger(__name__)

NO_BODY = object()  # a 2xx answer without a body


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    task_count: int | None  # None when fsckmsft did not say


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    project_id: str


def unexpected(call: str, response: requests.Response, what: str, user_message: str) -> Exception:
    """Log the call and what was wrong with its answer (never the body: it is not ours to
    log), and answer the error the user sees."""
    log.warning(
        "fsckmsft answered %s with %s (status %s, content-type %r, %d bytes)",
        call,
        what,
        response.status_code,
        response.headers.get("Content-Type", "")[:60],
        len(response.content),
    )
    return UnexpectedAnswer(response.status_code, user_message)


UNREADABLE = (
    "fsckmsft answered {call} in a form this app does not understand, so nothing is shown "
    "rather than something wrong. Please try again later."
)
MAYBE_ADDED = (
    "fsckmsft accepted the request but answered in a form this app does not understand: "
    "check whether the task was added before you try again."
)


def json_body(call: str, response: requests.Response, user_message: str) -> Any:
    """The JSON body of an answer, NO_BODY if it has none; UnexpectedAnswer otherwise."""
    if not response.content.strip():
        return NO_BODY
    try:
        return response.json()
    except ValueError:
        raise unexpected(call, response, "a body that is not JSON", user_message) from None


def _text_id(value: Any) -> str:
    # bool is an int in Python, but never an id.
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise ValueError("not an id")
    return str(value)


def _project(item: Any) -> Project:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise ValueError("not a project")
    count = item.get("task_count")
    known = isinstance(count, int) and not isinstance(count, bool) and count >= 0
    return Project(
        id=_text_id(item.get("id")), name=item["name"], task_count=count if known else None
    )


def projects_from(call: str, response: requests.Response) -> list[Project]:
    body = json_body(call, response, UNREADABLE.format(call=call))
    items = body.get("projects") if isinstance(body, dict) else None
    try:
        if not isinstance(items, list):
            raise ValueError("no projects list")
        return [_project(item) for item in items]
    except ValueError:
        raise unexpected(
            call, response, "an unexpected shape", UNREADABLE.format(call=call)
        ) from None


def task_from(call: str, response: requests.Response, *, title: str, project_id: str) -> Task:
    """The created task; a 2xx without a body still means created (with no id known)."""
    body = json_body(call, response, MAYBE_ADDED)
    if body is NO_BODY:
        return Task(id="", title=title, project_id=project_id)
    task = body.get("task") if isinstance(body, dict) else None
    try:
        if not isinstance(task, dict):
            raise ValueError("no task")
        return Task(
            id=_text_id(task.get("id")),
            title=str(task.get("title") or title),
            project_id=str(task.get("project_id") or project_id),
        )
    except ValueError:
        raise unexpected(call, response, "an unexpected shape", MAYBE_ADDED) from None
