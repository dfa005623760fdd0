"""Prometheus metrics, optional: `pip install '.[metrics]'` and set METRICS_PORT.

Fed from the signals the flow already sends (events/signals.py); nothing in the flow
imports this module, and without METRICS_PORT it is never imported at all.

- fsckmsft_refreshes_total{outcome}: refreshed, failed, needs_reauth
- fsckmsft_refresh_failures_total{reason}: why refreshes failed (server_error, rate_limited…)
- fsckmsft_token_endpoint_seconds: how long the token endpoint took to answer (successes)
- fsckmsft_refresher_sweep_seconds: how long each refresher sweep took
- fsckmsft_connections{status}: connections by status, counted when scraped

`refresher run` serves them on METRICS_PORT: the refreshers do the refreshing, and the
connections gauge counts the whole database. (Refreshes a web worker makes on a page view
are not counted: gunicorn's workers would need prometheus-client's multiprocess mode.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from ..events.signals import (
    connection_needs_reauth,
    flow_step,
    refresh_failed,
    sweep_finished,
)
from ..models import Connection

REFRESHES = Counter("fsckmsft_refreshes", "Token refreshes by outcome.", ["outcome"])
FAILURES = Counter("fsckmsft_refresh_failures", "Failed token refreshes by reason.", ["reason"])
TOKEN_ENDPOINT = Histogram(
    "fsckmsft_token_endpoint_seconds", "Time the token endpoint took to answer (successes)."
)
SWEEPS = Histogram(
    "fsckmsft_refresher_sweep_seconds",
    "Duration of refresher sweeps.",
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
_started = threading.local()  # when this thread's token request went out


def _on_flow_step(step: str, **_details: Any) -> None:
    if step == "token_request":
        _started.at = time.perf_counter()
    elif step == "token_response" and getattr(_started, "at", None) is not None:
        TOKEN_ENDPOINT.observe(time.perf_counter() - _started.at)
        _started.at = None
    elif step == "refreshed":
        REFRESHES.labels("refreshed").inc()


def _on_refresh_failed(_sender: Any, *, reason: str, **_details: Any) -> None:
    REFRESHES.labels("failed").inc()
    FAILURES.labels(reason).inc()


def _on_needs_reauth(_sender: Any, *, reason: str, **_details: Any) -> None:
    REFRESHES.labels("needs_reauth").inc()
    FAILURES.labels(reason).inc()


def _on_sweep_finished(_sender: Any, *, seconds: float, **_details: Any) -> None:
    SWEEPS.observe(seconds)


def connect_metrics() -> None:
    """Count what the flow announces (idempotent: blinker connects a receiver once)."""
    flow_step.connect(_on_flow_step, weak=False)
    refresh_failed.connect(_on_refresh_failed, weak=False)
    connection_needs_reauth.connect(_on_needs_reauth, weak=False)
    sweep_finished.connect(_on_sweep_finished, weak=False)


class ConnectionsCollector(Collector):
    """fsckmsft_connections{status}, counted in the database when scraped."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "fsckmsft_connections", "Connections by status.", labels=["status"]
        )
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(Connection.status, func.count()).group_by(Connection.status)
            ).all()
        for status, count in rows:
            gauge.add_metric([status], count)
        yield gauge


def start_metrics_server(port: int, engine: Engine, registry: CollectorRegistry = REGISTRY) -> None:
    """Serve /metrics on `port` (all interfaces) from a background thread."""
    registry.register(ConnectionsCollector(engine))
    start_http_server(port, registry=registry)
