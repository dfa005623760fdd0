"""F6: API calls with `Authorization: Bearer act_…`; 401 for bad tokens, 403 for scopes."""

from fsckmsft_sandbox.testing import OAuthFlow


def test_projects_are_listed_for_the_tokens_workspace_only(flow: OAuthFlow) -> None:
    ada = flow.api(flow.tokens("ada")["access_token"]).json()["projects"]
    linus = flow.api(flow.tokens("linus")["access_token"]).json()["projects"]
    assert {project["name"] for project in ada} == {"Difference Engine", "Notes on the Engine"}
    assert {project["name"] for project in linus} == {"Linux", "Git"}
    assert set(ada[0]) == {"id", "name", "task_count"}
    assert {p["name"]: p["task_count"] for p in linus} == {"Linux": 2, "Git": 0}


def test_create_task_answers_201_with_the_task(flow: OAuthFlow) -> None:
    token = flow.tokens("ada")["access_token"]
    project = flow.api(token).json()["projects"][0]
    answer = flow.api(
        token,
        f"/v1/projects/{project['id']}/tasks",
        "POST",
        json={"title": "Compute Bernoulli numbers"},
    )
    assert answer.status_code == 201
    assert answer.json()["task"]["title"] == "Compute Bernoulli numbers"
    assert answer.json()["task"]["project_id"] == project["id"]
    counts = {p["id"]: p["task_count"] for p in flow.api(token).json()["projects"]}
    assert counts[project["id"]] == project["task_count"] + 1


def test_task_in_a_project_of_another_workspace_is_404(flow: OAuthFlow) -> None:
    linus_project = flow.api(flow.tokens("linus")["access_token"]).json()["projects"][0]
    ada_token = flow.tokens("ada")["access_token"]
    answer = flow.api(
        ada_token, f"/v1/projects/{linus_project['id']}/tasks", "POST", json={"title": "Sneak in"}
    )
    assert answer.status_code == 404


def test_task_title_must_be_1_to_200_characters(flow: OAuthFlow) -> None:
    token = flow.tokens("ada")["access_token"]
    project_id = flow.api(token).json()["projects"][0]["id"]
    path = f"/v1/projects/{project_id}/tasks"
    for body in ({"title": ""}, {"title": "x" * 201}, {"title": 5}, {}, ["title"]):
        answer = flow.api(token, path, "POST", json=body)
        assert answer.status_code == 400, body
        assert answer.json()["error"] == "invalid_request"
    assert flow.api(token, path, "POST", json={"title": "x" * 200}).status_code == 201


def test_task_body_must_be_json(flow: OAuthFlow) -> None:
    token = flow.tokens("ada")["access_token"]
    project_id = flow.api(token).json()["projects"][0]["id"]
    answer = flow.api(token, f"/v1/projects/{project_id}/tasks", "POST", data="title=x")
    assert answer.status_code == 400


def test_token_without_the_needed_scope_gets_403_insufficient_scope(flow: OAuthFlow) -> None:
    token = flow.tokens(scope="write:tasks")["access_token"]
    answer = flow.api(token)
    assert answer.status_code == 403
    assert answer.json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]
    assert "read:projects" in answer.headers["WWW-Authenticate"]


def test_write_tasks_needs_its_scope(flow: OAuthFlow) -> None:
    token = flow.tokens(scope="read:projects")["access_token"]
    project_id = flow.api(token).json()["projects"][0]["id"]
    answer = flow.api(token, f"/v1/projects/{project_id}/tasks", "POST", json={"title": "x"})
    assert answer.status_code == 403
    assert answer.json()["error"] == "insufficient_scope"


def test_unknown_token_gets_401_invalid_token(flow: OAuthFlow) -> None:
    answer = flow.api("act_made_up")
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_access_token_expires_after_60_minutes(flow: OAuthFlow) -> None:
    token = flow.tokens()["access_token"]
    flow.server.advance(3590)
    assert flow.api(token).status_code == 200
    flow.server.advance(10)
    answer = flow.api(token)
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_revoked_token_gets_401_invalid_token(flow: OAuthFlow) -> None:
    token = flow.tokens("ada")["access_token"]
    flow.server.revoke("ada", flow.app["client_id"])
    answer = flow.api(token)
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_refresh_token_is_not_an_access_token(flow: OAuthFlow) -> None:
    assert flow.api(flow.tokens()["refresh_token"]).status_code == 401


def test_missing_token_gets_401_with_a_bearer_challenge(flow: OAuthFlow) -> None:
    answer = flow.api(None)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_me_names_the_user_and_workspace_with_the_identity_extension(flow: OAuthFlow) -> None:
    flow.server.configure(extensions=["identity"])
    answer = flow.api(flow.tokens("linus")["access_token"], "/v1/me")
    assert answer.json() == {
        "user": {"id": "usr_linus", "username": "linus"},
        "workspace": {"id": "ws_linus", "name": "Kernel"},
    }
    assert answer.headers["Sandbox-Extension"].startswith("identity")


def test_me_does_not_exist_without_the_identity_extension(flow: OAuthFlow) -> None:
    # The documentation has no identity endpoint: by default the sandbox has none either.
    answer = flow.api(flow.tokens("linus")["access_token"], "/v1/me")
    assert answer.status_code == 404


def test_api_bodies_are_labelled_as_the_sandboxs_choice(flow: OAuthFlow) -> None:
    answer = flow.api(flow.tokens()["access_token"])
    assert answer.headers["Sandbox-Invention"].startswith("api_bodies")
