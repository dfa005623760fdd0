"""What operators read from the sweep records: health, status, and a bounded table."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import RefresherSweep
from {{ cookiecutter.project_slug }}.refresher import Refresher, RefresherSettings

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.flow import advance_clock
from tests.helpers.refresher import seed_connections


def health(app: Flask, max_age: int) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["refresher", "health", "--max-age", str(max_age)])
    return result.exit_code, result.output


def sweep(app: Flask, **settings: object) -> None:
    Refresher(app.extensions["fsckmsft"], RefresherSettings(**settings)).sweep()  # type: ignore[arg-type]


def test_health_fails_before_any_sweep(app: Flask) -> None:
    status, output = health(app, 60)
    assert status == 1 and "no refresher has completed a sweep" in output


def test_health_passes_right_after_a_sweep_and_fails_once_it_is_older_than_max_age(
    app: Flask, sandbox: SandboxServer
) -> None:
    sweep(app)
    assert health(app, 60)[0] == 0
    advance_clock(app, sandbox, 61)  # nobody swept meanwhile: the refresher is gone
    status, output = health(app, 60)
    assert status == 1 and "allowed: 60 s" in output
    assert health(app, 120)[0] == 0


def test_tokens_status_json_reports_connections_and_the_last_sweep(
    app: Flask, sandbox: SandboxServer
) -> None:
    seed_connections(app, sandbox, 2)
    advance_clock(app, sandbox, 56 * 60)  # inside the refresh window
    sweep(app)
    result = app.test_cli_runner().invoke(args=["tokens", "status", "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["connections"]["active"] == 2 and status["connections"]["revoked"] == 0
    assert status["next_due"] is not None
    assert status["last_sweep"]["refreshed"] == 2
    assert status["last_sweep"]["failures_by_reason"] == {}


def test_a_sweep_deletes_records_older_than_the_retention_period(
    app: Flask, sandbox: SandboxServer
) -> None:
    retention = timedelta(days=14)
    sweep(app, sweep_retention=retention)
    advance_clock(app, sandbox, (retention - timedelta(hours=1)).total_seconds())
    sweep(app, sweep_retention=retention)  # the first is 13 days 23 hours old: kept
    assert sweep_count(app) == 2
    advance_clock(app, sandbox, 2 * 3600)
    sweep(app, sweep_retention=retention)  # the first is now past 14 days: deleted
    with app.app_context():
        started = db.session.scalars(select(RefresherSweep.started_at)).all()
    assert len(started) == 2 and max(started) - min(started) < retention


def sweep_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(RefresherSweep)) or 0
