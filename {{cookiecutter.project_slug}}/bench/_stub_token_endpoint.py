"""Bench helper: a token endpoint that answers every refresh at once (or after a delay).

    python bench/_stub_token_endpoint.py PORT [LATENCY_SECONDS]

A stand-in for fsckmsft that costs next to nothing, so a benchmark measures the refresher,
not the platform. It answers any `POST /oauth/token` with a fresh, well-formed token set
(it checks nothing: a stub), keeps connections alive (HTTP/1.1), serves each connection
in its own thread (so a delay overlaps across callers, as at a real platform), and
counts: `GET /stats` answers how many refreshes it served, when the first one arrived and
when the last one was answered (time.monotonic of this machine); `GET /reset` starts
counting afresh.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from _api_stub import send_json


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.served = 0
        self.first = 0.0
        self.last = 0.0

    def arrived(self) -> None:
        now = time.monotonic()
        with self.lock:
            self.first = self.first or now

    def answered(self) -> None:
        now = time.monotonic()
        with self.lock:
            self.served += 1
            self.last = now

    def reset(self) -> None:
        with self.lock:
            self.served, self.first, self.last = 0, 0.0, 0.0

    def as_json(self) -> bytes:
        with self.lock:
            return json.dumps(
                {"served": self.served, "first": self.first, "last": self.last}
            ).encode()


def handler(latency: float, stats: Stats) -> type[BaseHTTPRequestHandler]:
    class TokenHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: one connection per refresher thread
        # Headers and body leave in two writes; with Nagle's algorithm (and the client's
        # delayed ACK) the body would wait ~40 ms on a kept-alive connection.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            stats.arrived()
            if latency:
                time.sleep(latency)
            body = json.dumps(
                {
                    "access_token": f"act_{secrets.token_urlsafe(24)}",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "refresh_token": f"rft_{secrets.token_urlsafe(24)}",
                    "scope": "read:projects write:tasks",
                }
            ).encode()
            send_json(self, body)
            stats.answered()

        def do_GET(self) -> None:
            if self.path == "/reset":
                stats.reset()
            send_json(self, stats.as_json())

        def log_message(self, format: str, *args: object) -> None:
            return None  # no access log

    return TokenHandler


class StubServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 64 refresher threads connect at once


def main() -> None:
    port = int(sys.argv[1])
    latency = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    StubServer(("127.0.0.1", port), handler(latency, Stats())).serve_forever()


if __name__ == "__main__":
    main()
