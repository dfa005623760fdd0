"""Security headers on every response."""

from flask import Response, current_app, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self' {auth_origin}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def add_security_headers(response: Response) -> Response:
    auth_origin = current_app.config["FSCKMSFT_AUTH_URL"]
    headers = response.headers
    # Only our own scripts and styles run: injected markup cannot load code (XSS).
    headers.setdefault(
        "Content-Security-Policy", CONTENT_SECURITY_POLICY.format(auth_origin=auth_origin)
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")  # no MIME sniffing into scripts
    headers.setdefault("X-Frame-Options", "DENY")  # no clickjacking in a frame (old browsers)
    headers.setdefault("Referrer-Policy", "same-origin")  # URLs never leak to other sites
    if current_app.config["APP_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        # Every page may show account data or carry a CSRF token (the logout form): none may
        # be kept by a shared proxy or the browser's cache, where the next user of the
        # computer would find it (Back button). Only static files are the same for everyone.
        headers["Cache-Control"] = "no-store"
    return response
