"""HTTP session settings for talking to one fsckmsft origin.

requests re-reads the environment (proxy variables, netrc, CA bundle) on every request
when `trust_env` is on; for a server that only ever calls one configured origin that is
wasted work on every token refresh and API call. So the environment is read once, for that
origin, when the session is made: HTTPS_PROXY / NO_PROXY and REQUESTS_CA_BUNDLE are still
honoured, they just have to be set before the app starts (as they are in practice).
"""

from __future__ import annotations

import os

import requests
from requests.utils import get_environ_proxies


def settle_environment(session: requests.Session, origin_url: str) -> requests.Session:
    session.proxies = get_environ_proxies(origin_url)
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if ca_bundle:
        session.verify = ca_bundle
    session.trust_env = False
    return session
