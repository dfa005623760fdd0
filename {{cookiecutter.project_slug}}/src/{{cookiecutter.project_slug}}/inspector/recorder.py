"""Remembers the flow steps the app announces (see events/flow.py), in memory, bounded.

Two indexes over the same events:
- per browser (the session's `browser_id`): the steps of that browser's most recent flow,
  from the redirect to fsckmsft onwards, and everything its requests caused afterwards;
- per connection: what happened to a connection's tokens, wherever it happened, including
  the background refresher's thread, where there is no browser and no request. There the
  token endpoint's steps do not name a connection (the endpoint does not know it): they wait
  in a small per-thread buffer and join the connection named by the next step (the refresh).

Memory is bounded three ways: so many browsers, so many connections, so many events each
(the oldest go first). Restarting the app forgets everything, which is fine for a workshop.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_app_context, has_request_context, session

# The step that starts a new flow: a browser's earlier steps are forgotten when it happens.
FLOW_START = "authorize_redirect"
# The step that starts a call to the token endpoint: a thread's unclaimed steps are dropped.
ENDPOINT_CALL_START = "token_request"


@dataclass(frozen=True)
class FlowEvent:
    seq: int  # global order of arrival: sorts events from several threads
    step: str
    at: datetime  # the app's clock (it follows the sandbox's clock in development)
    connection_id: str | None
    details: dict[str, Any] = field(default_factory=dict)


class BoundedIndex:
    """Events per key: at most `max_keys` keys (least recently used go) x `max_events`."""

    def __init__(self, max_keys: int, max_events: int) -> None:
        self.max_keys = max_keys
        self.max_events = max_events
        self._events: OrderedDict[str, deque[FlowEvent]] = OrderedDict()

    def __contains__(self, key: str) -> bool:
        return key in self._events

    def add(self, key: str, event: FlowEvent) -> None:
        self._events.setdefault(key, deque(maxlen=self.max_events)).append(event)
        self._events.move_to_end(key)
        while len(self._events) > self.max_keys:
            self._events.popitem(last=False)

    def rename(self, old: str, new: str) -> None:
        events = self._events.pop(old, None)
        if events is not None:
            self._events[new] = events

    def restart(self, key: str) -> None:
        self._events.pop(key, None)

    def get(self, key: str | None) -> list[FlowEvent]:
        return list(self._events.get(key, ())) if key else []


class FlowRecorder:
    """Receives `flow_step` signals for one app; answers each browser's timeline."""

    def __init__(
        self,
        app_extensions: MutableMapping[str, Any],
        *,
        max_browsers: int = 200,
        max_connections: int = 500,
        max_events: int = 80,
    ) -> None:
        self._app_extensions = app_extensions  # to tell our app's requests from another's
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self.browsers = BoundedIndex(max_browsers, max_events)
        self.connections = BoundedIndex(max_connections, max_events)
        self._thread = threading.local()  # steps waiting for their connection, per thread

    # -- receiving -------------------------------------------------------------

    def receive(
        self, step: str, *, connection_id: str | None = None, details: dict | None = None
    ) -> None:
        """The `flow_step` receiver (blinker passes the step name as the sender)."""
        in_our_app = has_app_context() and current_app.extensions is self._app_extensions
        if has_app_context() and not in_our_app:
            return  # another app in this process (tests create many)
        browser_id = _browser_id() if in_our_app else None
        if (
            browser_id is None
            and connection_id is not None
            and connection_id not in self.connections
        ):
            return  # a background step about a connection no browser of ours made
        at = self._now()  # outside the lock: the sandbox clock may ask the sandbox
        with self._lock:
            event = FlowEvent(next(self._seq), step, at, connection_id, details or {})
            if browser_id is not None:
                if step == FLOW_START:
                    self.browsers.restart(browser_id)
                self.browsers.add(browser_id, event)
                if connection_id is not None:
                    self.connections.add(connection_id, event)
            else:
                self._receive_in_background(event)

    def _receive_in_background(self, event: FlowEvent) -> None:
        """A step outside any request: keep it only if it is about a connection we follow.

        Only connections a browser of ours connected are followed: that keeps other apps'
        events out, and memory bounded.
        """
        waiting: deque[FlowEvent] = self._waiting()
        if event.connection_id is None:
            if event.step == ENDPOINT_CALL_START:
                waiting.clear()
            waiting.append(event)
            return
        if event.connection_id in self.connections:
            for earlier in waiting:
                claimed = replace(earlier, connection_id=event.connection_id)
                self.connections.add(event.connection_id, claimed)
            self.connections.add(event.connection_id, event)
        waiting.clear()

    def _waiting(self) -> deque[FlowEvent]:
        if not hasattr(self._thread, "waiting"):
            self._thread.waiting = deque(maxlen=4)
        return self._thread.waiting

    def rename_browser(self, _app: object, *, old: str, new: str) -> None:
        """The `browser_renewed` receiver: the login's timeline follows the new browser id."""
        with self._lock:
            self.browsers.rename(old, new)

    def note(self, browser_id: str, step: str, **details: Any) -> None:
        """Record something the workshop did (a sandbox control) in this browser's timeline."""
        at = self._now()
        with self._lock:
            event = FlowEvent(next(self._seq), step, at, None, details)
            self.browsers.add(browser_id, event)

    def _now(self) -> datetime:
        services = self._app_extensions.get("fsckmsft")
        return services.clock.now() if services is not None else datetime.now(UTC)

    # -- reading ---------------------------------------------------------------

    def timeline(self, browser_id: str | None, connection_ids: Iterable[str]) -> list[FlowEvent]:
        """The browser's most recent flow, and what happened to its connections since."""
        with self._lock:
            flow = self.browsers.get(browser_id)
            started = flow[0].seq if flow else 0
            merged = {event.seq: event for event in flow}
            for connection_id in connection_ids:
                for event in self.connections.get(connection_id):
                    if event.seq >= started:
                        merged.setdefault(event.seq, event)
        return [merged[seq] for seq in sorted(merged)]


def _browser_id() -> str | None:
    if not has_request_context():
        return None
    browser_id = session.get("browser_id")
    return browser_id if isinstance(browser_id, str) else None
