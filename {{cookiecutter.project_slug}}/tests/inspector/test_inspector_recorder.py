"""The recorder's memory stays bounded, and it ignores what no browser of its own started."""

from __future__ import annotations

from typing import Any

from {{ cookiecutter.project_slug }}.inspector.recorder import FlowRecorder


def small_recorder() -> FlowRecorder:
    extensions: dict[str, Any] = {}  # no services: events get the system time
    return FlowRecorder(extensions, max_browsers=2, max_connections=2, max_events=3)


def test_each_browser_keeps_only_its_latest_events() -> None:
    recorder = small_recorder()
    for number in range(5):
        recorder.note("browser-a", "sandbox_control", action=f"control {number}")
    shown = [event.details["action"] for event in recorder.timeline("browser-a", [])]
    assert shown == ["control 2", "control 3", "control 4"]


def test_the_least_recently_active_browser_is_forgotten_first() -> None:
    recorder = small_recorder()
    for browser in ("a", "b", "a", "c"):
        recorder.note(browser, "sandbox_control", action=browser)
    assert recorder.timeline("b", []) == []  # evicted: a was active again after b
    assert recorder.timeline("a", []) and recorder.timeline("c", [])


def test_background_steps_of_unknown_connections_are_dropped() -> None:
    recorder = small_recorder()
    # Outside any request (like the refresher thread), about a connection never seen.
    recorder.receive("token_request", details={"grant_type": "refresh_token"})
    recorder.receive("refreshed", connection_id="stranger", details={"reason": "refresher"})
    assert "stranger" not in recorder.connections
    assert recorder.timeline(None, ["stranger"]) == []
