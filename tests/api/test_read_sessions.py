"""Public reads' sessions (api/state.py): on PostgreSQL a public read runs its statements in
autocommit, with no BEGIN and no ROLLBACK round trip, and what it keeps (the read model) is
kept; every other request, and every request on SQLite, runs in a transaction as before."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text

from api.state import db_session
from directory.listing_reads import ListingRead
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import enterprise

LISTING = "ent_000000000001"
PUBLIC_READS = [f"/v1/enterprises/{LISTING}", "/v1/enterprises", "/v1/search?q=icbc",
                "/v1/suggest?q=gs", "/v1/lookup?q=95588", "/v1/industries"]


@pytest.fixture(params=BACKEND_PARAMS)
def client(request, tmp_path_factory):
    yield from client_over_records(request, tmp_path_factory, [enterprise(LISTING)])


def _in_transaction(session) -> bool:  # noqa: ANN001
    """Whether the database connection of *session* is inside a transaction now."""
    session.execute(text("SELECT 1"))
    dbapi = session.connection().connection.dbapi_connection
    if session.get_bind().dialect.name == "sqlite":
        return dbapi.in_transaction
    return dbapi.info.transaction_status.name == "INTRANS"


def test_a_public_read_runs_without_a_transaction_on_postgresql_only(client):
    app = client.application
    postgres = app.extensions["c800"].engine.dialect.name == "postgresql"
    for path in PUBLIC_READS:
        for method in ("GET", "HEAD"):
            with app.test_request_context(path, method=method):
                assert _in_transaction(db_session()) is False, (path, method)
    # not public reads: a write, an account's own data, a GET that is not marked
    for path, method in ((f"/v1/enterprises/{LISTING}/reports", "POST"),
                         (f"/v1/enterprises/{LISTING}", "PATCH"), ("/v1/me", "GET")):
        with app.test_request_context(path, method=method):
            assert _in_transaction(db_session()) is postgres, (path, method)


def test_a_public_read_keeps_what_it_made_for_the_next_read(client):
    state = client.application.extensions["c800"]
    with state.sessions() as session:
        assert session.scalars(select(ListingRead.language)
                               .where(ListingRead.enterprise_id == LISTING)).all() == []
    first = client.get(f"/v1/enterprises/{LISTING}", headers={"Accept-Language": "en"})
    assert first.status_code == 200
    other = create_engine(state.engine.url)  # another connection sees it: it was committed
    with other.connect() as connection:
        kept = connection.execute(select(ListingRead.language, ListingRead.generation)
                                  .where(ListingRead.enterprise_id == LISTING)).all()
    other.dispose()
    assert [language for language, _generation in kept] == ["en"]
    again = client.get(f"/v1/enterprises/{LISTING}", headers={"Accept-Language": "en"})
    assert again.get_json() == first.get_json()
