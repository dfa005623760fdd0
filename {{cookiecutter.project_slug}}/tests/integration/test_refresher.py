"""The background refresher: one refresh per due period, faults handled, nothing lost."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Connection, ConnectionStatus
from {{ cookiecutter.project_slug }}.refresher import Refresher, RefresherSettings
from {{ cookiecutter.project_slug }}.services import Services

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import TEST_CLIENT_ID
from tests.helpers.flow import advance_clock
from tests.helpers.refresher import refresh_calls, seed_connections

HOUR = 3600


def refresher(app: Flask, **settings: object) -> Refresher:
    return Refresher(app.extensions["fsckmsft"], RefresherSettings(**settings))  # type: ignore[arg-type]


def statuses(app: Flask) -> dict[str, str]:
    with app.app_context():
        return {row.id: row.status for row in db.session.scalars(db.select(Connection))}


def test_a_sweep_refreshes_connections_expiring_within_the_window(
    app: Flask, sandbox: SandboxServer
) -> None:
    seed_connections(app, sandbox, 3)
    advance_clock(app, sandbox, 56 * 60)  # 4 minutes left: inside the 5-minute window
    result = refresher(app).sweep()
    assert (result.claimed, result.outcomes["refreshed"], result.failed) == (3, 3, 0)
    assert len(refresh_calls(sandbox)) == 3
    assert refresher(app).sweep().claimed == 0  # nothing is due twice


def test_connections_not_yet_due_are_left_alone(app: Flask, sandbox: SandboxServer) -> None:
    seed_connections(app, sandbox, 2)
    advance_clock(app, sandbox, 30 * 60)
    assert refresher(app).sweep().claimed == 0 and refresh_calls(sandbox) == []


def test_twenty_callers_and_a_sweep_at_once_cause_one_refresh(
    app: Flask, sandbox: SandboxServer
) -> None:
    [connection_id] = seed_connections(app, sandbox, 1)
    advance_clock(app, sandbox, 61 * 60)
    services: Services = app.extensions["fsckmsft"]
    scopes = services.requested_scopes
    barrier = threading.Barrier(21)
    results: list[object] = []

    def call_api() -> None:
        barrier.wait()
        try:
            results.append(services.api.for_connection(connection_id, scopes).list_projects())
        except Exception as error:  # collected and asserted below
            results.append(error)

    def sweep() -> None:
        barrier.wait()
        results.append(refresher(app).sweep())

    threads = [threading.Thread(target=call_api) for _ in range(20)] + [
        threading.Thread(target=sweep)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 21
    assert not [r for r in results if isinstance(r, Exception)], results
    calls = refresh_calls(sandbox)
    assert len(calls) == 1 and calls[0]["status"] == 200


def test_server_errors_three_times_then_success_is_refreshed_with_bounded_attempts(
    app: Flask, sandbox: SandboxServer
) -> None:
    [connection_id] = seed_connections(app, sandbox, 1)
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", status=500, count=3)
    advance_clock(app, sandbox, 56 * 60)
    for attempt in range(1, 4):
        result = refresher(app).sweep()
        assert result.failures["server_error"] == 1
        assert refresher(app).sweep().claimed == 0  # cooling down: not hammered again
        assert len(refresh_calls(sandbox)) == attempt
        advance_clock(app, sandbox, HOUR)  # past the longest cool-down
    assert refresher(app).sweep().outcomes["refreshed"] == 1
    assert len(refresh_calls(sandbox)) == 4
    assert statuses(app)[connection_id] == ConnectionStatus.ACTIVE


def test_429_pauses_every_refresh_of_the_process_until_retry_after(
    app: Flask, sandbox: SandboxServer
) -> None:
    seed_connections(app, sandbox, 3)
    sandbox.add_fault(
        endpoint="token", grant_type="refresh_token", status=429, retry_after=30, count=1
    )
    advance_clock(app, sandbox, 56 * 60)
    worker = refresher(app, concurrency=1)
    first = worker.sweep()
    assert first.failures["rate_limited"] == 1 and first.released == 2
    assert len(refresh_calls(sandbox)) == 1
    advance_clock(app, sandbox, 20)
    assert worker.sweep().claimed == 0 and len(refresh_calls(sandbox)) == 1
    advance_clock(app, sandbox, 11)
    later = worker.sweep()
    assert later.outcomes["refreshed"] == 3 and len(refresh_calls(sandbox)) == 4


def test_revoked_connection_needs_reauth_and_others_are_unaffected(
    app: Flask, sandbox: SandboxServer
) -> None:
    [ada] = seed_connections(app, sandbox, 1, "ada")
    [linus] = seed_connections(app, sandbox, 1, "linus")
    sandbox.revoke("linus", TEST_CLIENT_ID)
    advance_clock(app, sandbox, 56 * 60)
    result = refresher(app).sweep()
    assert result.outcomes["needs_reauth"] == 1 and result.outcomes["refreshed"] == 1
    assert statuses(app) == {ada: ConnectionStatus.ACTIVE, linus: ConnectionStatus.NEEDS_REAUTH}


def test_ninety_one_days_idle_become_needs_reauth_without_any_token_call(
    app: Flask, sandbox: SandboxServer
) -> None:
    seed_connections(app, sandbox, 3)
    advance_clock(app, sandbox, 91 * 24 * HOUR)
    result = refresher(app).sweep()
    assert result.outcomes["needs_reauth"] == 3
    assert refresh_calls(sandbox) == []
    assert set(statuses(app).values()) == {ConnectionStatus.NEEDS_REAUTH}


def test_keep_alive_refreshes_an_idle_refresh_token_before_ninety_days(
    app: Flask, sandbox: SandboxServer
) -> None:
    seed_connections(app, sandbox, 1)
    advance_clock(app, sandbox, 80 * 24 * HOUR + 60)
    assert refresher(app).sweep().outcomes["refreshed"] == 1


def test_rotated_then_dropped_refresh_is_retried_once_then_needs_reauth(
    app: Flask, sandbox: SandboxServer
) -> None:
    [connection_id] = seed_connections(app, sandbox, 1)
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", rotate_then_drop=True, count=1)
    advance_clock(app, sandbox, 61 * 60)
    assert refresher(app).sweep().outcomes["needs_reauth"] == 1
    assert [call["status"] for call in refresh_calls(sandbox)][-1] == 400
    assert len(refresh_calls(sandbox)) == 2
    assert statuses(app)[connection_id] == ConnectionStatus.NEEDS_REAUTH


def test_invalid_client_pauses_refreshing_and_alerts_the_operator(
    app: Flask, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    seed_connections(app, sandbox, 3)
    sandbox._call("POST", f"/_sandbox/apps/{TEST_CLIENT_ID}/rotate-secret")
    advance_clock(app, sandbox, 61 * 60)
    worker = refresher(app, concurrency=1)
    with caplog.at_level(logging.CRITICAL):
        assert worker.run(once=True) == 1
    assert "OPERATOR ALERT" in caplog.text and "invalid_client" in caplog.text
    assert len(refresh_calls(sandbox)) == 1  # the others were released, not tried
    assert set(statuses(app).values()) == {ConnectionStatus.ACTIVE}  # nobody's access is lost


def test_once_exits_zero_when_nothing_failed(app: Flask, sandbox: SandboxServer) -> None:
    seed_connections(app, sandbox, 2)
    advance_clock(app, sandbox, 61 * 60)
    assert refresher(app).run(once=True) == 0


def test_a_sweep_is_recorded_for_tokens_status(app: Flask, sandbox: SandboxServer) -> None:
    seed_connections(app, sandbox, 2)
    advance_clock(app, sandbox, 61 * 60)
    refresher(app).sweep()
    output = app.test_cli_runner().invoke(args=["tokens", "status"]).output
    assert "active        2" in output and "refreshed=2" in output


def test_cool_down_grows_with_repeated_failures(app: Flask, sandbox: SandboxServer) -> None:
    [connection_id] = seed_connections(app, sandbox, 1)
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", status=503, count=2)
    advance_clock(app, sandbox, 61 * 60)
    waits = []
    for _ in range(2):
        before = app.extensions["fsckmsft"].clock.now()
        refresher(app).sweep()
        with app.app_context():
            due = db.session.get_one(Connection, connection_id).refresh_due_at
        waits.append(due - before)
        advance_clock(app, sandbox, HOUR)
    assert timedelta(0) < waits[0] < waits[1]


def test_an_unexpected_error_on_one_connection_does_not_stop_the_sweep(
    app: Flask, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken, *_ = seed_connections(app, sandbox, 3)
    advance_clock(app, sandbox, 61 * 60)
    service = app.extensions["fsckmsft"].token_service
    real_refresh = service.refresh

    def refresh(connection_id: str, **kwargs: object) -> object:
        if connection_id == broken:
            raise RuntimeError("a bug")
        return real_refresh(connection_id, **kwargs)

    monkeypatch.setattr(service, "refresh", refresh)
    result = refresher(app).sweep()
    assert result.failures == {"internal": 1} and result.outcomes["refreshed"] == 2


def test_a_sweep_that_finds_full_batches_claims_the_next_at_once(
    app: Flask, sandbox: SandboxServer
) -> None:
    seed_connections(app, sandbox, 5)
    advance_clock(app, sandbox, 61 * 60)
    result = refresher(app, batch_size=2).sweep()
    assert (result.claimed, result.outcomes["refreshed"]) == (5, 5)  # batches of 2, 2, 1
    assert not result.more_due


def test_the_loop_drains_due_work_without_waiting_for_the_interval(
    app: Flask, sandbox: SandboxServer
) -> None:
    ids = seed_connections(app, sandbox, 5)
    advance_clock(app, sandbox, 61 * 60)
    # Every sweep stops after its first batch (no time left), with work still due: the
    # loop must start the next sweep at once, not sleep the hour-long interval.
    worker = refresher(app, batch_size=2, interval=3600, max_sweep_seconds=0)
    loop = threading.Thread(target=worker.run)
    loop.start()
    try:
        for _ in range(600):
            if len(refresh_calls(sandbox)) >= len(ids):
                break
            worker.stop.wait(0.05)
    finally:
        worker.stop.set()
        loop.join(timeout=30)
    assert len(refresh_calls(sandbox)) == len(ids)
    assert set(statuses(app).values()) == {ConnectionStatus.ACTIVE}


def test_once_drains_every_due_connection(app: Flask, sandbox: SandboxServer) -> None:
    seed_connections(app, sandbox, 5)
    advance_clock(app, sandbox, 61 * 60)
    assert refresher(app, batch_size=2, max_sweep_seconds=0).run(once=True) == 0
    assert len(refresh_calls(sandbox)) == 5


def keepalive_mode(app: Flask) -> None:
    """REFRESHER_MODE=keepalive, set on the running app."""
    service = app.extensions["fsckmsft"].token_service
    service.policy = replace(service.policy, keepalive_only=True)


def test_keepalive_mode_leaves_expiring_access_tokens_to_be_refreshed_on_use(
    app: Flask, sandbox: SandboxServer
) -> None:
    keepalive_mode(app)
    [connection_id] = seed_connections(app, sandbox, 1)
    advance_clock(app, sandbox, 61 * 60)
    assert refresher(app).sweep().claimed == 0 and refresh_calls(sandbox) == []
    services: Services = app.extensions["fsckmsft"]
    assert services.api.for_connection(connection_id, services.requested_scopes).list_projects()
    assert len(refresh_calls(sandbox)) == 1  # refreshed on use
    advance_clock(app, sandbox, 80 * 24 * HOUR)
    assert refresher(app).sweep().outcomes["refreshed"] == 1  # kept alive before day 90


def test_switching_to_keepalive_mode_reschedules_rows_due_under_the_old_mode(
    app: Flask, sandbox: SandboxServer
) -> None:
    seed_connections(app, sandbox, 2)  # due under "ahead": 55 minutes from now
    keepalive_mode(app)
    advance_clock(app, sandbox, 56 * 60)
    assert refresher(app).sweep().outcomes["not_needed"] == 2
    advance_clock(app, sandbox, 10 * 60)  # past the claim's lease: not claimed again
    assert refresher(app).sweep().claimed == 0 and refresh_calls(sandbox) == []
