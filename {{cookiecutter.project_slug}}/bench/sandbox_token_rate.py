"""How many token requests per second the sandbox answers on loopback, in one process.

Each request is a real refresh (`grant_type=refresh_token`): it authenticates the client,
spends the old refresh token and stores a new pair, as the refresher's calls do. Requests
are sent one after another from one client, over a fresh connection each (as the werkzeug
server closes them). Run: `python bench/sandbox_token_rate.py [--seconds 5]`.
"""

import argparse
import time
from urllib.parse import urlencode

import requests

from fsckmsft_sandbox.testing import OAuthFlow, SandboxServer

BENCH_APP = {
    "client_id": "sbx_bench_client",
    "client_secret": "bench-secret-0123456789abcdefghijklmnopqrstuv",
    "name": "Token Rate Bench",
    "description": "Measures the sandbox token endpoint.",
    "homepage_url": "https://bench.example.com",
    "redirect_uris": ["https://bench.example.com/callback"],
    "scopes": ["read:projects"],
}


def token_rate(server: SandboxServer, seconds: float = 5.0) -> float:
    """Sequential refreshes per second against a running sandbox seeded with BENCH_APP."""
    flow = OAuthFlow(server, BENCH_APP)
    refresh_token = flow.tokens("ada")["refresh_token"]
    form = {"grant_type": "refresh_token", "client_id": BENCH_APP["client_id"],
            "client_secret": BENCH_APP["client_secret"]}
    url = server.url + "/oauth/token"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        body = urlencode({**form, "refresh_token": refresh_token})
        answer = requests.post(url, data=body, headers=headers, timeout=10)
        answer.raise_for_status()
        refresh_token = answer.json()["refresh_token"]
        done += 1
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with SandboxServer(seed_app=BENCH_APP) as server:
        token_rate(server, 0.5)  # warm up: imports, SQLite pages, connection setup
        rate = token_rate(server, args.seconds)
    print(f"sandbox token endpoint: {rate:.0f} requests/s "
          f"(refresh_token grant, sequential, loopback, one process)")


if __name__ == "__main__":
    main()
