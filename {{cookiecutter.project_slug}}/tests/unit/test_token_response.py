"""The token endpoint's answer is validated before anything is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from {{ cookiecutter.project_slug }}.fsckmsft.errors import BadTokenResponse
from {{ cookiecutter.project_slug }}.fsckmsft.token_response import TokenSet, parse_token_response

NOW = datetime(2026, 1, 1, tzinfo=UTC)
REQUESTED = frozenset({"read:projects", "write:tasks"})
DOCUMENTED = {
    "access_token": "act_abc",
    "token_type": "Bearer",
    "expires_in": 3600,
    "refresh_token": "rft_def",
    "scope": "read:projects write:tasks",
}


def parse(payload: Any) -> TokenSet:
    return parse_token_response(payload, requested_scopes=REQUESTED, now=NOW)


def test_the_documented_response_parses() -> None:
    tokens = parse(DOCUMENTED)
    assert tokens.access_token == "act_abc" and tokens.refresh_token == "rft_def"
    assert tokens.access_expires_at == NOW + timedelta(seconds=3600)
    assert tokens.scopes == REQUESTED


def test_token_set_repr_shows_no_token() -> None:
    assert "act_abc" not in repr(parse(DOCUMENTED)) and "rft_def" not in repr(parse(DOCUMENTED))


def test_fewer_scopes_granted_are_reported_as_granted() -> None:
    assert parse({**DOCUMENTED, "scope": "read:projects"}).scopes == {"read:projects"}


def test_more_scopes_than_requested_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    parse({**DOCUMENTED, "scope": "read:projects write:tasks write:projects"})
    assert "write:projects" in caplog.text


@pytest.mark.parametrize(
    "change",
    [
        {"token_type": "mac"},
        {"token_type": None},
        {"expires_in": 0},
        {"expires_in": -5},
        {"expires_in": 0.5},
        {"expires_in": 1e-283},
        {"expires_in": "3600"},
        {"expires_in": True},
        {"access_token": ""},
        {"access_token": None},
        {"refresh_token": None},
        {"refresh_token": "rft with space"},
        {"scope": ["read:projects"]},
    ],
)
def test_malformed_token_responses_are_typed_errors(change: dict[str, Any]) -> None:
    with pytest.raises(BadTokenResponse):
        parse({**DOCUMENTED, **change})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries({}, optional={key: json_values for key in DOCUMENTED}),
        # The documented answer with one field replaced by anything at all.
        st.sampled_from(sorted(DOCUMENTED)).flatmap(
            lambda key: json_values.map(lambda value: {**DOCUMENTED, key: value})
        ),
    )
)
def test_fuzzed_token_responses_give_a_token_set_or_a_typed_error(payload: Any) -> None:
    try:
        tokens = parse(payload)
    except BadTokenResponse:
        return
    assert isinstance(tokens, TokenSet)
    assert tokens.access_token and tokens.refresh_token and tokens.access_expires_at > NOW
