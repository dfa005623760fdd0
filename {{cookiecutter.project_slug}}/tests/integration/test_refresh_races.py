"""Races: a worker that outlives its lease, a disconnect during a refresh, a slow platform
under many callers (on SQLite and PostgreSQL alike: both take a row lease and hold
nothing while fsckmsft answers), and two first logins to one workspace."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.fsckmsft.errors import NeedsReauthorization
from {{ cookiecutter.project_slug }}.fsckmsft.refresh_lock import RowLease
from {{ cookiecutter.project_slug }}.fsckmsft.token_service import TokenService
from {{ cookiecutter.project_slug }}.models import Connection, ConnectionStatus, new_connection_id

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import app_config, migrated_app
from tests.helpers.flow import advance_clock
from tests.helpers.refresher import issue_tokens, refresh_calls, seed_connections


def second_worker(app: Flask, lease: timedelta) -> TokenService:
    """Another process, in effect: its own token service (no shared in-process locks)."""
    services = app.extensions["fsckmsft"]
    worker = TokenService(
        engine=services.token_service.engine,
        cipher=services.cipher,
        endpoint=services.token_endpoint,
        now=services.clock.now,
        policy=services.token_service.policy,
    )
    worker._lease = RowLease(worker.engine, lease)
    return worker


def row(app: Flask, connection_id: str) -> Connection:
    with app.app_context():
        connection = db.session.get(Connection, connection_id)
    assert connection is not None, f"no connection {connection_id}"
    return connection


def wait_until_leased(app: Flask, connection_id: str, worker: threading.Thread) -> None:
    """Until a worker holds the row's lease (its refresh is then on its way to fsckmsft)."""
    while row(app, connection_id).refresh_locked_until is None and worker.is_alive():
        time.sleep(0.01)


def test_a_worker_that_outlived_its_lease_never_condemns_newer_tokens(
    app: Flask, sandbox: SandboxServer
) -> None:
    [connection_id] = seed_connections(app, sandbox, 1)
    advance_clock(app, sandbox, 61 * 60)
    # Both refreshes are slow; the first worker's lease runs out while it waits.
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", latency=1.0, count=2)
    first, second = (
        second_worker(app, timedelta(seconds=0.3)),
        second_worker(app, timedelta(seconds=30)),
    )

    def run(worker: TokenService) -> None:
        # The loser may be told "reconnect" if its verdict lands before the winner's store;
        # what matters is what is stored once both are done.
        with contextlib.suppress(NeedsReauthorization):
            worker.refresh(connection_id, reason="refresher", fall_back_to_valid_token=False)

    threads = [threading.Thread(target=run, args=(first,))]
    threads[0].start()
    wait_until_leased(app, connection_id, threads[0])
    time.sleep(0.4)  # the first worker's lease runs out while fsckmsft keeps it waiting
    threads.append(threading.Thread(target=run, args=(second,)))
    threads[1].start()
    for thread in threads:
        thread.join(timeout=30)
    statuses = sorted(call["status"] for call in refresh_calls(sandbox))
    assert statuses == [200, 400]  # one refresh won, the other found its token spent
    # The winner's tokens are stored, whatever order the verdicts landed in.
    after = row(app, connection_id)
    assert after.status == ConnectionStatus.ACTIVE and after.refresh_locked_until is None
    token = app.extensions["fsckmsft"].token_service.access_token(connection_id)
    api = app.extensions["fsckmsft"].api.for_connection(connection_id, after.granted_scopes())
    if sandbox.reading("refresh_reuse") == "refuse":
        # Nothing is lost: the winner's tokens work.
        assert api.list_projects() and token.value.startswith("act_")
        return
    # The platform revoked the whole grant when the spent token came back (the strict
    # reading): the stored tokens are dead, and the user is asked to reconnect, never a 500.
    with pytest.raises(NeedsReauthorization):
        api.list_projects()
    assert row(app, connection_id).status == ConnectionStatus.NEEDS_REAUTH


def test_disconnect_during_a_refresh_stays_disconnected(app: Flask, sandbox: SandboxServer) -> None:
    [connection_id] = seed_connections(app, sandbox, 1)
    advance_clock(app, sandbox, 61 * 60)
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", latency=0.5, count=1)
    service = app.extensions["fsckmsft"].token_service
    errors: list[BaseException] = []

    def refresh() -> None:
        try:
            service.refresh(connection_id, reason="refresher", fall_back_to_valid_token=False)
        except NeedsReauthorization as error:
            errors.append(error)

    worker = threading.Thread(target=refresh)
    worker.start()
    wait_until_leased(app, connection_id, worker)
    with app.app_context():  # what /disconnect does, while the refresh is at the platform
        connection = db.session.get(Connection, connection_id)
        assert connection is not None
        connection.access_token_ciphertext = connection.refresh_token_ciphertext = None
        connection.status = ConnectionStatus.REVOKED
        db.session.commit()
    worker.join(timeout=30)
    after = row(app, connection_id)
    assert after.status == ConnectionStatus.REVOKED
    assert after.access_token_ciphertext is None and after.refresh_token_ciphertext is None
    assert errors and "disconnected" in str(errors[0])


@pytest.mark.postgres
def test_two_first_logins_to_one_workspace_at_once_both_succeed(
    postgres_url: str, sandbox: SandboxServer
) -> None:
    from {{ cookiecutter.project_slug }}.fsckmsft.identity import Identity
    from {{ cookiecutter.project_slug }}.services.connections import save_connection

    app = migrated_app(app_config(postgres_url, sandbox.url, FSCKMSFT_API_URL=sandbox.api_url))
    services = app.extensions["fsckmsft"]
    ours, theirs = issue_tokens(sandbox, services, "ada"), issue_tokens(sandbox, services, "ada")
    identity = Identity("usr_ada", "ada", "ws_ada", "Analytical Engines")
    competed: list[str] = []

    def other_tab_inserts_first(session: Session, *_: object) -> None:
        """Between our SELECT (nothing there yet) and our INSERT, the other tab commits."""
        if competed:
            return
        competed.append("yes")
        with Session(bind=services.token_service.engine) as other:
            row = Connection(
                id=new_connection_id(),
                fsckmsft_user_id="usr_ada",
                workspace_id="ws_ada",
                version=0,
                fsckmsft_username="ada",
                workspace_name="Analytical Engines",
            )
            services.token_service.store_tokens(other, row, theirs)
            other.commit()

    event.listen(Session, "before_flush", other_tab_inserts_first)
    try:
        with app.app_context():
            connection_id = save_connection(ours, identity=identity, renews=None)
    finally:
        event.remove(Session, "before_flush", other_tab_inserts_first)
    assert competed
    with app.app_context():
        [saved] = db.session.scalars(db.select(Connection)).all()
        assert saved.id == connection_id
        token = services.token_service._decrypt_access(saved)
    assert token.value == ours.access_token  # the later login's tokens, in the one row


def test_forty_callers_in_two_processes_with_the_platform_500ms_away_refresh_once(
    app: Flask, sandbox: SandboxServer
) -> None:
    [connection_id] = seed_connections(app, sandbox, 1)
    advance_clock(app, sandbox, 61 * 60)
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", latency=0.5)
    services = app.extensions["fsckmsft"]
    # Two token services with their own in-process locks: two processes, in effect.
    workers = [services.token_service, second_worker(app, services.token_service._lease.lease)]
    barrier = threading.Barrier(40)
    results: list[object] = []

    def call(worker: TokenService) -> None:
        barrier.wait()
        try:
            results.append(worker.access_token(connection_id).value)
        except Exception as error:  # collected and asserted below
            results.append(error)

    threads = [threading.Thread(target=call, args=(workers[n % 2],)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 40 and len(set(results)) == 1, results  # one new token for all
    assert [call["status"] for call in refresh_calls(sandbox)] == [200]
    assert row(app, connection_id).version == 2


def test_no_database_connection_is_held_while_fsckmsft_answers(
    app: Flask, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither a page view nor the refresher keeps a pooled connection (or a transaction)
    open during a token call: the pool is empty whenever a call is on its way."""
    from {{ cookiecutter.project_slug }}.refresher import Refresher, RefresherSettings

    from tests.helpers.flow import connect

    web = app.test_client()
    connect(web, sandbox)
    seed_connections(app, sandbox, 3)
    services = app.extensions["fsckmsft"]
    pool = services.token_service.engine.pool
    checked_out: list[int] = []
    real_refresh = services.token_endpoint.refresh

    def refresh_watching_the_pool(*args: object, **kwargs: object) -> object:
        checked_out.append(pool.checkedout())
        return real_refresh(*args, **kwargs)

    monkeypatch.setattr(services.token_endpoint, "refresh", refresh_watching_the_pool)
    advance_clock(app, sandbox, 61 * 60)
    assert "data-project-id" in web.get("/dashboard").get_data(as_text=True)  # a page view
    result = Refresher(services, RefresherSettings(concurrency=1)).sweep()  # the refresher
    assert result.outcomes["refreshed"] == 3
    assert checked_out == [0, 0, 0, 0]
