"""Refresher processes for real: scale-out on PostgreSQL, and a clean stop on SIGTERM."""

from __future__ import annotations

import re
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Connection, ConnectionStatus

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import app_config, migrated_app, requesting_api_scopes
from tests.helpers.flow import advance_clock
from tests.helpers.refresher import refresh_calls, seed_connections, start_flask


@pytest.mark.postgres
def test_two_refreshers_and_web_traffic_refresh_500_connections_exactly_once(
    postgres_url: str, sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = migrated_app(
        app_config(
            postgres_url,
            sandbox.url,
            FSCKMSFT_API_URL=sandbox.api_url,
            CLOCK_SOURCE="sandbox",
            **requesting_api_scopes(sandbox, tmp_path),  # the web traffic lists projects
        )
    )
    ids = seed_connections(app, sandbox, 500)
    advance_clock(app, sandbox, 61 * 60)
    services = app.extensions["fsckmsft"]
    web_errors: list[BaseException] = []

    def web_traffic() -> None:
        for connection_id in ids[::25]:  # 20 users load their dashboard meanwhile
            try:
                services.api.for_connection(
                    connection_id, services.requested_scopes
                ).list_projects()
            except BaseException as error:  # asserted below
                web_errors.append(error)

    # Two long-running refreshers claiming small batches, so their claims interleave.
    env = {
        "REFRESHER_BATCH_SIZE": "25",
        "REFRESHER_CONCURRENCY": "4",
        "REFRESHER_INTERVAL_SECONDS": "1",
    }
    refreshers = [start_flask(app, "refresher", "run", **env) for _ in range(2)]
    web = threading.Thread(target=web_traffic)
    web.start()
    deadline = time.monotonic() + 240
    while len(refresh_calls(sandbox)) < 500 and time.monotonic() < deadline:
        time.sleep(0.5)
    web.join(timeout=60)
    for process in refreshers:
        process.send_signal(signal.SIGTERM)
    outputs = [process.communicate(timeout=60)[0] for process in refreshers]
    assert all(process.returncode == 0 for process in refreshers), outputs
    # Both took part: the work really was shared, not done by one while the other idled.
    for output in outputs:
        assert sum(int(n) for n in re.findall(r" refreshed=(\d+)", output)) > 0, output
    assert web_errors == []
    calls = refresh_calls(sandbox)
    assert Counter(call["status"] for call in calls) == Counter({200: 500})
    with app.app_context():
        rows = db.session.scalars(db.select(Connection)).all()
        assert {row.status for row in rows} == {ConnectionStatus.ACTIVE}
        assert all(row.version == 2 for row in rows)  # stored once, refreshed exactly once


def test_sigterm_mid_batch_leaves_no_row_locked_or_half_written(
    app: Flask, sandbox: SandboxServer
) -> None:
    ids = seed_connections(app, sandbox, 12)
    with app.app_context():
        before = {row.id: row.refresh_due_at for row in db.session.scalars(db.select(Connection))}
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", latency=0.4)
    advance_clock(app, sandbox, 61 * 60)
    process = start_flask(
        app, "refresher", "run", REFRESHER_CONCURRENCY="2", REFRESHER_INTERVAL_SECONDS="1"
    )
    deadline = time.monotonic() + 60
    while len(refresh_calls(sandbox)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=60)[0]
    assert process.returncode == 0, output
    assert "stopped cleanly" in output
    token_service = app.extensions["fsckmsft"].token_service
    refreshed = 0
    with app.app_context():
        for row in db.session.scalars(db.select(Connection)):
            # Every row is whole: its tokens decrypt, and it is not leased to a dead process.
            token = token_service._decrypt_access(row)
            assert token.value.startswith("act_")
            assert row.version in (1, 2) and row.status == ConnectionStatus.ACTIVE
            if row.version == 2:
                refreshed += 1
            else:
                assert row.refresh_due_at == before[row.id], "an unprocessed claim was not released"
    assert 0 < refreshed < len(ids)
    # And every one of them can be refreshed right away (nothing left locked).
    for connection_id in ids:
        assert token_service.refresh(connection_id, reason="manual").refreshed
