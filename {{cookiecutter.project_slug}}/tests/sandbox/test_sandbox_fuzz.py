"""Bad input never gets a 500: malformed forms and JSON get 4xx with an RFC 6749 error body."""

import json
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsckmsft_sandbox.testing import SandboxServer

TOKEN_FIELDS = [
    "grant_type",
    "code",
    "redirect_uri",
    "client_id",
    "client_secret",
    "refresh_token",
    "scope",
    "code_verifier",
]
GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials", "", "password"]
text = st.text(max_size=60)
field_value = st.one_of(text, st.sampled_from([*GRANT_TYPES, "sbx_conformance_client"]))
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def post_json(url: str, body: Any) -> requests.Response:
    """Post any JSON, NaN and Infinity included (Python's json module writes and reads them)."""
    return requests.post(
        url, data=json.dumps(body), timeout=10, headers={"Content-Type": "application/json"}
    )


def assert_error_body(answer: requests.Response) -> None:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    body = answer.json()
    assert isinstance(body["error"], str) and body["error"]


@FUZZ
@given(
    form=st.dictionaries(st.one_of(st.sampled_from(TOKEN_FIELDS), text), field_value, max_size=8)
)
def test_token_endpoint_answers_malformed_forms_with_4xx(
    sandbox_server: SandboxServer, form: dict[str, str]
) -> None:
    answer = requests.post(sandbox_server.url + "/oauth/token", data=form, timeout=10)
    assert_error_body(answer)


@FUZZ
@given(
    body=st.binary(max_size=200),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/json",
            "text/plain",
            "multipart/form-data; boundary=x",
            "",
        ]
    ),
)
def test_token_endpoint_answers_raw_bodies_with_4xx(
    sandbox_server: SandboxServer, body: bytes, content_type: str
) -> None:
    answer = requests.post(
        sandbox_server.url + "/oauth/token",
        data=body,
        timeout=10,
        headers={"Content-Type": content_type},
    )
    assert_error_body(answer)


@FUZZ
@given(body=json_value)
def test_admin_api_answers_malformed_registrations_with_4xx(
    sandbox_server: SandboxServer, body: Any
) -> None:
    answer = post_json(sandbox_server.url + "/_sandbox/apps", body)
    if answer.status_code != 201:
        assert_error_body(answer)


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "name": json_value,
            "homepage_url": json_value,
            "redirect_uris": json_value,
            "scopes": json_value,
            "description": json_value,
        },
    )
)
def test_admin_api_answers_malformed_fields_with_4xx(
    sandbox_server: SandboxServer, fields: dict[str, Any]
) -> None:
    answer = post_json(sandbox_server.url + "/_sandbox/apps", fields)
    if answer.status_code != 201:
        assert_error_body(answer)
        assert answer.json()["message"]


@FUZZ
@given(
    body=st.binary(max_size=200),
    path=st.sampled_from(["/_sandbox/apps", "/_sandbox/faults", "/_sandbox/clock"]),
)
def test_admin_api_answers_raw_bodies_with_4xx(
    sandbox_server: SandboxServer, body: bytes, path: str
) -> None:
    answer = requests.post(
        sandbox_server.url + path,
        data=body,
        timeout=10,
        headers={"Content-Type": "application/json"},
    )
    assert_error_body(answer)


@FUZZ
@given(rule=json_value)
def test_fault_rules_answer_malformed_json_with_4xx(
    sandbox_server: SandboxServer, rule: Any
) -> None:
    answer = post_json(sandbox_server.url + "/_sandbox/faults", rule)
    if answer.status_code == 201:
        sandbox_server.clear_faults()
    else:
        assert_error_body(answer)


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "client_id",
                "redirect_uri",
                "response_type",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method",
            ]
        ),
        field_value,
        max_size=7,
    )
)
def test_authorize_endpoint_never_fails_with_5xx(
    sandbox_server: SandboxServer, params: dict[str, str]
) -> None:
    answer = requests.get(
        sandbox_server.url + "/oauth/authorize", params=params, allow_redirects=False, timeout=10
    )
    assert answer.status_code in (200, 302, 400)
