"""Per-client-address limits on the routes anyone can call without signing in.

Every anonymous `GET /login` writes a pending-login row and every `/callback` costs a
database lookup (and, with a code, a call to fsckmsft): without a limit, one client can
fill the table or hammer the platform in our name. Flask-Limiter counts requests per
client address in memory by default (per process); set RATELIMIT_STORAGE_URI (e.g.
`redis://…`) so that several processes share one count.

Behind a reverse proxy the client address is the proxy's unless the server trusts its
forwarded headers (gunicorn's `forwarded_allow_ips`): configure that, or every visitor
shares one budget.
"""

from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


#: Apply to a view: at most LOGIN_RATE_LIMIT requests per client address (429 beyond).
login_rate_limit = limiter.limit(_login_rate_limit)
