"""The workshop flow inspector: every step of the OAuth flow, visible at /inspector.

Optional (include_flow_inspector) and development-only: create_app() calls init_app()
only when INSPECTOR_ENABLED is on and APP_ENV is not production. The rest of the app never
imports this package; it only announces steps (events.flow.record), whoever listens.
"""

from __future__ import annotations

from flask import Flask

from ..events.signals import browser_renewed, flow_step
from .recorder import FlowRecorder
from .views import EXTENSION, blueprint


def init_app(app: Flask) -> None:
    recorder = FlowRecorder(app.extensions)
    app.extensions[EXTENSION] = recorder
    # A weak reference: when a (test) app goes away, its recorder stops listening.
    flow_step.connect(recorder.receive)
    browser_renewed.connect(recorder.rename_browser, sender=app)
    app.register_blueprint(blueprint)
