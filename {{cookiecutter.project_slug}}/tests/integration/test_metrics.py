"""Prometheus metrics, fed from the flow's signals: refreshes, failures, sweeps, connections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from prometheus_client import REGISTRY, CollectorRegistry

from {{ cookiecutter.project_slug }}.refresher import Refresher, RefresherSettings
from {{ cookiecutter.project_slug }}.refresher.metrics import connect_metrics, start_metrics_server

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.deploy import free_port
from tests.helpers.flow import advance_clock
from tests.helpers.refresher import seed_connections


@pytest.fixture(autouse=True)
def metrics() -> Iterator[None]:
    connect_metrics()
    yield


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def sweep(app: Flask) -> None:
    Refresher(app.extensions["fsckmsft"], RefresherSettings()).sweep()


def test_a_sweep_counts_refreshes_token_endpoint_latency_and_its_duration(
    app: Flask, sandbox: SandboxServer
) -> None:
    seed_connections(app, sandbox, 3)
    before = (
        sample("fsckmsft_refreshes_total", outcome="refreshed"),
        sample("fsckmsft_token_endpoint_seconds_count"),
        sample("fsckmsft_refresher_sweep_seconds_count"),
    )
    advance_clock(app, sandbox, 56 * 60)
    sweep(app)
    after = (
        sample("fsckmsft_refreshes_total", outcome="refreshed"),
        sample("fsckmsft_token_endpoint_seconds_count"),
        sample("fsckmsft_refresher_sweep_seconds_count"),
    )
    assert [b - a for a, b in zip(before, after, strict=True)] == [3, 3, 1]


def test_failed_refreshes_are_counted_by_reason(app: Flask, sandbox: SandboxServer) -> None:
    seed_connections(app, sandbox, 1)
    before = sample("fsckmsft_refresh_failures_total", reason="server_error")
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", status=500, count=1)
    advance_clock(app, sandbox, 56 * 60)
    sweep(app)
    assert sample("fsckmsft_refresh_failures_total", reason="server_error") == before + 1
    assert sample("fsckmsft_refreshes_total", outcome="failed") >= 1


def test_the_metrics_endpoint_counts_connections_by_status(
    app: Flask, sandbox: SandboxServer
) -> None:
    seed_connections(app, sandbox, 2)
    port = free_port()
    start_metrics_server(port, app.extensions["fsckmsft"].token_service.engine, CollectorRegistry())
    page = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert 'fsckmsft_connections{status="active"} 2.0' in page
