"""Error pages: every failure the user can meet gets a page, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, RequestURITooLarge

from ..fsckmsft.errors import (
    ApiError,
    CoolingDown,
    FsckmsftError,
    InvalidClient,
    NeedsReauthorization,
    RateLimited,
    TokenEndpointError,
)
from ..services.schema import DatabaseError, schema_is_behind

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template(
            "error.html",
            title="Form expired",
            message=(
                "The form expired or did not come from this site. "
                "Go back, reload the page and try again."
            ),
        ), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
        return render_template(
            "error.html",
            title="Too much data",
            message="The form sent more data than this site accepts. Go back and shorten it.",
        ), 413

    @app.errorhandler(RequestURITooLarge)
    def address_too_long(error: RequestURITooLarge) -> tuple[str, int]:
        return render_template(
            "error.html",
            title="Address too long",
            message="The address of this page is longer than this site accepts.",
        ), 414

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_template(
            "error.html", title=error.name, message=error.description
        ), error.code or 500

    @app.errorhandler(NeedsReauthorization)
    def needs_reauth(error: NeedsReauthorization) -> tuple[str, int]:
        return render_template("web/reconnect.html", connection=None), 200

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> tuple[str, int]:
        return render_template(
            "error.html", title="fsckmsft is not answering", message=error.message
        ), 502

    @app.errorhandler(InvalidClient)
    def integration_unavailable(error: InvalidClient) -> tuple[str, int]:
        # fsckmsft refused the app's own credentials: nothing the user did, nothing they
        # can do. The token service has alerted the operator (once) and paused token calls.
        return render_template(
            "error.html",
            title="This integration is unavailable",
            message=(
                "fsckmsft is not accepting this app's credentials right now. Its operator "
                "has been told. Your connection is kept: there is no need to reconnect. "
                "Please come back later."
            ),
        ), 200

    def wait_page(seconds: float) -> tuple[str, int]:
        # fsckmsft asked us to wait (429) or is failing: no call is made before then.
        return render_template(
            "error.html",
            title="fsckmsft asked us to wait",
            message=(
                "We could not renew access just now and will not ask fsckmsft again for "
                f"about {max(1, round(seconds))} seconds. Please try again then."
            ),
        ), 503

    @app.errorhandler(CoolingDown)
    def cooling_down(error: CoolingDown) -> tuple[str, int]:
        return wait_page(error.seconds_left)

    @app.errorhandler(RateLimited)
    def rate_limited(error: RateLimited) -> tuple[str, int]:
        return wait_page(error.retry_after)

    @app.errorhandler(TokenEndpointError)
    def token_endpoint_error(error: TokenEndpointError) -> tuple[str, int]:
        # The user's authorization is intact; fsckmsft is down or slow.
        log.warning("token endpoint problem: %s", error.error)
        return render_template(
            "error.html",
            title="fsckmsft is not answering",
            message="We could not renew access just now. Please try again in a minute.",
        ), 503

    @app.errorhandler(FsckmsftError)
    def platform_error(error: FsckmsftError) -> tuple[str, int]:
        return render_template(
            "error.html", title="fsckmsft problem", message="Please try again in a minute."
        ), 502

    @app.errorhandler(DatabaseError)
    def database_error(error: DatabaseError) -> tuple[str, int]:
        if not schema_is_behind():
            return unexpected(error)
        log.error("The database is behind its migrations: run `flask db upgrade`.")
        development = app.config["APP_ENV"] != "production"
        return render_template(
            "error.html",
            title="Not set up yet",
            message=(
                "The database has not been set up yet: run `flask db upgrade` "
                "(`flask dev` does it when it starts)."
                if development
                else "This site is still being set up. The operator has been told; "
                "please try again later."
            ),
        ), 503

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        if app.debug:
            raise error  # development: Werkzeug's debugger shows it where it happened
        log.exception("unhandled error")
        return render_template(
            "error.html",
            title="Something went wrong",
            message="The error was logged. Please try again.",
        ), 500
