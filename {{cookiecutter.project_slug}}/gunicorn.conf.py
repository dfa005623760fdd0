"""gunicorn settings for the web process: `gunicorn '{{ cookiecutter.project_slug }}:create_app()'`.

gunicorn reads this file from the working folder by itself (or pass `--config`). Every
value can be overridden by the usual environment variables, which platforms set for you.
"""

import multiprocessing
import os

# Where to listen: platforms give the port in $PORT.
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Workers: one process each, synchronous; the app holds no state in a process, so any
# number work. WEB_CONCURRENCY is the platforms' convention; otherwise 2 per CPU + 1.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# A request waits at most FSCKMSFT_HTTP_TIMEOUT (10 s) per platform call, a refresh may
# retry once: 30 s leaves room before gunicorn kills a worker as stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20  # on SIGTERM, finish requests in flight for up to this long
keepalive = 5

# Behind a TLS-terminating proxy (a load balancer, a platform router): trust its
# X-Forwarded-Proto / X-Forwarded-For, so the app sees https and secure cookies work.
# Only the proxy's address may say so, or any client could claim to be on https.
# Platforms whose router address is not fixed (Heroku, Render) document "*": set
# FORWARDED_ALLOW_IPS="*" there, and only there, where nothing but the router reaches you.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log on stdout, one line per request, without the query string: /callback's
# query carries the authorization code and state (%(U)s is the path alone).
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# gunicorn 25.1+ opens a control socket under $HOME for its `gunicornc` tool; a web
# process behind a platform needs none, and two apps on one machine would share its path.
control_socket_disable = True
