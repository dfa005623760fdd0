"""`next` never leads off this site (open redirect)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from {{ cookiecutter.project_slug }}.auth.safe_redirect import DEFAULT_NEXT, safe_next_path


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard?connection=abc", "/privacy"])
def test_local_paths_are_kept(path: str) -> None:
    assert safe_next_path(path) == path


@pytest.mark.parametrize(
    "attack",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "javascript:alert(1)",
        "/dash\nboard",
        "evil.example",
        "",
        None,
    ],
)
def test_anything_else_falls_back_to_the_dashboard(attack: str | None) -> None:
    assert safe_next_path(attack) == DEFAULT_NEXT


@given(st.text(max_size=60))
def test_the_result_is_always_a_path_on_this_site(candidate: str) -> None:
    result = safe_next_path(candidate)
    assert result.startswith("/")
    assert not result.startswith(("//", "/\\"))
    assert "\\" not in result and all(ord(ch) >= 32 for ch in result)
