"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from api.cli import upgrade_database
from api.cli.database import alembic_config
from directory.db import Base, make_engine
from tests.conftest import _drop_schema, _postgres_schema_url


@pytest.mark.parametrize("fresh_database", ["sqlite", "postgresql"], indirect=True)
def test_migrated_schema_matches_the_models(fresh_database):
    engine = make_engine(fresh_database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert context.get_current_revision() is not None
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """An empty database (no revision applied yet) of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'c800.sqlite3'}"
        return
    server = request.getfixturevalue("postgres_server")
    url, schema = _postgres_schema_url(server)
    try:
        yield url
    finally:
        _drop_schema(server, schema)


def test_0008_keeps_the_listings_and_sends_enterprises_own_channels_to_review(empty_database):
    """What was stored counts as checked by its source, except channels enterprises entered
    themselves; lookup keys are rebuilt from checked facts, and no channel is lost (a batch
    recreating `enterprises` on SQLite would cascade-delete them)."""
    upgrade_database(empty_database, "0006")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as connection:
            for statement in _STORED_0006:
                connection.execute(text(statement))
        upgrade_database(empty_database, "head")
        with engine.connect() as connection:
            channels = connection.execute(text(
                "SELECT id, review, checked_value, checked_by FROM channels ORDER BY id")).all()
            keys = connection.execute(text("SELECT key FROM lookup_keys ORDER BY key")).scalars().all()
            reviews = connection.execute(text(
                "SELECT channel_id, status, requested_by FROM fact_reviews")).all()
            web = connection.execute(text(
                "SELECT checked_website, web_review FROM enterprises")).one()
    finally:
        engine.dispose()
    assert channels == [("ch_1", "checked", "95588", "source"), ("ch_2", "pending", None, None)]
    assert keys == ["dom:icbc.com.cn", "tel:95588"]  # not the enterprise's own 95599
    assert reviews == [("ch_2", "pending", "usr_0f3c9a7e1b2d4c5a")]
    assert web == ("https://www.icbc.com.cn/", "checked")


_STORED_0006 = [
    "INSERT INTO industries (id, name_zh_hans, name_zh_hant, name_en, display_order) "
    "VALUES ('banking', '银行', '銀行', 'Banks', 0)",
    "INSERT INTO enterprises (id, name_zh_hans, aliases, industry_id, website, domains, verified, "
    "status, version, source, created_at, updated_at, managed) VALUES ('ent_1', '工行', '[]', "
    "'banking', 'https://www.icbc.com.cn/', '[\"icbc.com.cn\"]', false, 'active', 2, '[\"x\"]', "
    "'2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00', true)",
    "INSERT INTO channels (id, enterprise_id, position, kind, value, regions, languages, direction, "
    "source, hidden, menu, accepts_callbacks) VALUES "
    "('ch_1', 'ent_1', 0, 'phone', '95588', '[]', '[]', 'contact', 'vcards:x', false, '[]', false), "
    "('ch_2', 'ent_1', 1, 'phone', '95599', '[]', '[]', 'contact', "
    "'self-service:usr_0f3c9a7e1b2d4c5a', false, '[]', false)",
]


def test_upgrading_a_populated_database_from_0004_loses_no_channel(empty_database):
    """0005 recreates `enterprises` on SQLite (a batch adding a column with a server default):
    with foreign keys on, dropping the old table cascaded to every channel."""
    upgrade_database(empty_database, "0004")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as connection:
            for statement in _STORED_0004:
                connection.execute(text(statement))
        upgrade_database(empty_database, "head")
        with engine.connect() as connection:
            channels = connection.execute(text("SELECT id, value FROM channels ORDER BY id")).all()
            listings = connection.execute(text("SELECT id, managed FROM enterprises")).all()
    finally:
        engine.dispose()
    assert channels == [("ch_1", "95588"), ("ch_2", "icbc@icbc.com.cn")]
    assert listings == [("ent_1", False)]


_STORED_0004 = [
    "INSERT INTO industries (id, name_zh_hans, name_zh_hant, name_en, display_order) "
    "VALUES ('banking', '银行', '銀行', 'Banks', 0)",
    "INSERT INTO enterprises (id, name_zh_hans, aliases, industry_id, website, domains, verified, "
    "status, version, source, created_at, updated_at) VALUES ('ent_1', '工行', '[]', 'banking', "
    "'https://www.icbc.com.cn/', '[\"icbc.com.cn\"]', false, 'active', 1, '[\"x\"]', "
    "'2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')",
    "INSERT INTO channels (id, enterprise_id, position, kind, value, regions, languages, direction, "
    "source, hidden, menu) VALUES "
    "('ch_1', 'ent_1', 0, 'phone', '95588', '[]', '[]', 'contact', 'vcards:x', false, '[]'), "
    "('ch_2', 'ent_1', 1, 'email', 'icbc@icbc.com.cn', '[]', '[]', 'contact', 'vcards:x', false, '[]')",
]


def test_0016_keeps_the_clients_without_owners_and_goes_back(empty_database):
    """Clients made before self-service keep working with no owner and no previous secret;
    the downgrade takes the columns away and keeps the clients."""
    from alembic import command

    from api.cli.database import alembic_config

    upgrade_database(empty_database, "0011")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO oauth_clients (client_id, secret_hash, name, grant_types, "
                "redirect_uris, scope, auth_method, created_at) VALUES ('cl_old', 'x', 'old', "
                "'[\"client_credentials\"]', '[]', 'directory:read', 'client_secret_basic', "
                "'2026-12-01 00:00:00+00:00')"))
        upgrade_database(empty_database, "0016")
        with engine.connect() as connection:
            row = connection.execute(text("SELECT owner_id, previous_secret_hash, "
                                          "previous_secret_until FROM oauth_clients")).one()
        assert tuple(row) == (None, None, None)
        command.downgrade(alembic_config(empty_database), "0011")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT client_id FROM oauth_clients")).scalars().all() \
                == ["cl_old"]
    finally:
        engine.dispose()


def test_0015_devices_and_notifications_go_back_down_cleanly(empty_database):
    """The push tables come and go with their revision, whatever it follows once re-chained."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from api.cli.database import alembic_config

    config = alembic_config(empty_database)
    below = ScriptDirectory.from_config(config).get_revision("0015").down_revision
    tables = {"devices", "notification_events", "notifications", "push_deliveries"}
    upgrade_database(empty_database, "0015")
    engine = make_engine(empty_database)
    try:
        assert tables <= set(inspect(engine).get_table_names())
        command.downgrade(config, below)
        engine.dispose()
        assert not tables & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0012_adds_the_source_facts_and_loses_no_channel_either_way(empty_database):
    """Wikidata id, logo and dissolution date on listings, platform and date read on channels:
    stored listings keep every channel, with the new facts empty, up and down again."""
    upgrade_database(empty_database, "0006")
    engine = make_engine(empty_database)
    count = "SELECT count(*) FROM channels"
    try:
        with engine.begin() as connection:
            for statement in _STORED_0006:
                connection.execute(text(statement))
        upgrade_database(empty_database, "0011")
        with engine.connect() as connection:
            before = connection.execute(text(count)).scalar()
        upgrade_database(empty_database, "0012")
        with engine.connect() as connection:
            assert connection.execute(text(count)).scalar() == before > 0
            assert connection.execute(text(
                "SELECT DISTINCT platform, retrieved FROM channels")).all() == [(None, None)]
            assert connection.execute(text(
                "SELECT DISTINCT wikidata, logo, dissolved FROM enterprises")).all() == [
                    (None, None, None)]
        command.downgrade(alembic_config(empty_database), "0011")
        with engine.connect() as connection:
            assert connection.execute(text(count)).scalar() == before
    finally:
        engine.dispose()


def test_0017_fills_the_list_orders_of_the_stored_listings(empty_database):
    """Prominence and name keys of the listings stored before 0017 (directory/listing_order.py)."""
    upgrade_database(empty_database, "0011")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as connection:
            for statement in _STORED_0011:
                connection.execute(text(statement))
        upgrade_database(empty_database, "head")
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT id, prominence, name_key, name_key_en FROM enterprises ORDER BY id")).all()
    finally:
        engine.dispose()
    assert rows == [("ent_1", 300 + 150 + 80, "gong hang", "icbc"),
                    ("ent_2", 0, "acme", "acme")]  # English name only, Germany only, no line


_STORED_0011 = [
    "INSERT INTO industries (id, name_zh_hans, name_zh_hant, name_en, display_order) "
    "VALUES ('banking', '银行', '銀行', 'Banks', 0)",
    "INSERT INTO enterprises (id, name_zh_hans, name_en, aliases, industry_id, domains, verified, "
    "status, version, source, created_at, updated_at, managed) VALUES "
    "('ent_1', '工行', 'ICBC', '[]', 'banking', '[]', false, 'active', 1, '[]', "
    "'2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00', false), "
    "('ent_2', NULL, 'ACME', '[]', 'banking', '[]', false, 'active', 1, '[]', "
    "'2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00', false)",
    "INSERT INTO enterprise_regions (enterprise_id, code) VALUES ('ent_2', 'DE')",
    "INSERT INTO channels (id, enterprise_id, position, kind, value, regions, languages, direction, "
    "source, hidden, menu, accepts_callbacks) VALUES "
    "('ch_1', 'ent_1', 0, 'phone', '95588', '[]', '[]', 'contact', 'vcards:x', false, '[]', false), "
    "('ch_2', 'ent_1', 1, 'sms', '1065795588', '[]', '[]', 'outbound_only', 'vcards:x', false, '[]', "
    "false), "
    "('ch_3', 'ent_2', 0, 'phone', '12345', '[]', '[]', 'contact', 'vcards:x', true, '[]', false), "
    # on X, which most mainland users cannot open: not counted (directory/prominence.py)
    "('ch_4', 'ent_1', 2, 'social', 'https://x.com/icbc', '[]', '[]', 'contact', 'vcards:x', false, "
    "'[]', false)",
]


def test_0013_counts_signed_in_accounts_reports_of_dead_numbers(empty_database):
    """Each signed-in account's latest report that a listed number is wrong or closed becomes
    its voice; anonymous reports, other topics and channels that are gone are left out."""
    upgrade_database(empty_database, "0011")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as connection:
            for statement in _STORED_0006[:3] + _STORED_0011_REPORTS:
                connection.execute(text(statement))
        upgrade_database(empty_database, "head")
        with engine.connect() as connection:
            voices = connection.execute(text(
                "SELECT channel_id, user_id FROM out_of_service_reports ORDER BY user_id")).all()
    finally:
        engine.dispose()
    assert voices == [("ch_1", "usr_a"), ("ch_1", "usr_b")]


def _report(ident: str, channel: str | None, topic: str, reporter: str | None, day: int) -> str:
    channel_sql = f"'{channel}'" if channel else "NULL"
    reporter_sql = f"'{reporter}'" if reporter else "NULL"
    return ("INSERT INTO reports (id, enterprise_id, channel_id, topic, reporter_id, message, status, "
            f"created_at) VALUES ('{ident}', 'ent_1', {channel_sql}, '{topic}', {reporter_sql}, "
            f"'停用了', 'open', '2026-12-0{day} 00:00:00+00')")


_STORED_0011_REPORTS = [
    "INSERT INTO users (id, email, password_hash, is_admin, disabled, created_at, session_generation) "
    "VALUES ('usr_a', 'a@example.org', 'x', false, false, '2026-01-01 00:00:00+00', 0), "
    "('usr_b', 'b@example.org', 'x', false, false, '2026-01-01 00:00:00+00', 0)",
    _report("rep_1", "ch_1", "wrong_number", "usr_a", 1),
    _report("rep_2", "ch_1", "closed_channel", "usr_a", 2),
    _report("rep_3", "ch_1", "closed_channel", "usr_b", 2),
    _report("rep_4", "ch_1", "wrong_number", None, 3),
    _report("rep_5", "ch_2", "wrong_hours", "usr_b", 3),
    _report("rep_6", "ch_gone", "wrong_number", "usr_b", 3),
]


def test_0018_list_indexes_come_and_go_and_serve_the_list_pages(empty_database):
    """The lists' indexes (status first) exist after 0018, are gone after its downgrade, and a
    page deep into the list reads its rows from one of them (a range of it, not a sort)."""
    from sqlalchemy import inspect

    wanted = {"ix_enterprises_status_prominence_id", "ix_enterprises_status_name_key_id",
              "ix_enterprises_status_name_key_en_id", "ix_enterprises_status_industry_prominence_id",
              "ix_enterprises_status_verified_prominence_id", "ix_enterprises_status_id"}
    upgrade_database(empty_database, "0018_list_indexes")
    engine = make_engine(empty_database)
    try:
        assert wanted <= {index["name"] for index in inspect(engine).get_indexes("enterprises")}
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                plan = " ".join(row[3] for row in connection.execute(text(
                    "EXPLAIN QUERY PLAN SELECT * FROM enterprises WHERE status = 'active' AND "
                    "(prominence, id) < (300, 'ent_x') ORDER BY prominence DESC, id DESC LIMIT 21")))
            assert "ix_enterprises_status_prominence_id" in plan and "TEMP B-TREE" not in plan
        assert "ix_channels_kind_way_in" in {i["name"] for i in inspect(engine).get_indexes("channels")}
        command.downgrade(alembic_config(empty_database), "0017")
        engine.dispose()
        assert not wanted & {index["name"] for index in inspect(engine).get_indexes("enterprises")}
        assert "ix_channels_kind_enterprise" in {i["name"] for i in inspect(engine).get_indexes("channels")}
    finally:
        engine.dispose()


def _listings_by_sql(connection, ids: list[str]) -> None:  # noqa: ANN001
    """An industry and active listings *ids*, inserted as SQL (no model of a later revision)."""
    from datetime import UTC, datetime

    connection.execute(text(
        "INSERT INTO industries (id, name_zh_hans, name_zh_hant, name_en, display_order) "
        "VALUES ('banking', '银行', '銀行', 'Banking', 1)"))
    for ident in ids:
        connection.execute(text(
            "INSERT INTO enterprises (id, name_en, aliases, industry_id, domains, verified, status, "
            "version, managed, source, created_at, updated_at) VALUES (:id, 'ICBC', '[]', 'banking', "
            "'[]', false, 'active', 1, false, '[]', :now, :now)"),
            {"id": ident, "now": datetime(2026, 12, 7, tzinfo=UTC)})


def test_0019_listing_reads_comes_and_goes_with_its_triggers(empty_database):
    """0019 adds the read model's table, the listings' read_generation and the triggers that
    keep it; downgrading to 0018 takes all three away (and the listings stay)."""

    from sqlalchemy import inspect

    upgrade_database(empty_database, "0019")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as connection:
            _listings_by_sql(connection, ["ent_000000000001"])
        with engine.begin() as connection:
            connection.execute(text("UPDATE enterprises SET website = 'https://www.icbc.com.cn/'"))
            assert connection.execute(text("SELECT read_generation FROM enterprises")).scalar() == 1
        assert "listing_reads" in inspect(engine).get_table_names()
        command.downgrade(alembic_config(empty_database), "0018_list_indexes")
        engine.dispose()
        assert "listing_reads" not in inspect(engine).get_table_names()
        assert "read_generation" not in {c["name"] for c in inspect(engine).get_columns("enterprises")}
        with engine.begin() as connection:  # no trigger left to name a column that is gone
            connection.execute(text("UPDATE enterprises SET website = NULL"))
            assert connection.execute(text("SELECT count(*) FROM enterprises")).scalar() == 1
    finally:
        engine.dispose()


def test_0020_listing_cards_comes_and_goes(empty_database):
    """0020 adds the kept summaries' table; downgrading to 0019 takes it away (and the read
    model's table and generations stay)."""
    from sqlalchemy import inspect

    upgrade_database(empty_database, "0020")
    engine = make_engine(empty_database)
    try:
        columns = {c["name"] for c in inspect(engine).get_columns("listing_cards")}
        assert columns == {"enterprise_id", "language", "generation", "card"}
        command.downgrade(alembic_config(empty_database), "0019")
        engine.dispose()
        assert "listing_cards" not in inspect(engine).get_table_names()
        assert "listing_reads" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_0021_national_is_worked_out_kept_and_taken_away(empty_database):
    """0021 works out ``national`` for the listings there are, its triggers keep it; a
    downgrade to 0020 takes the column, its indexes and its triggers away."""

    from sqlalchemy import inspect

    upgrade_database(empty_database, "0020")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as connection:
            _listings_by_sql(connection, ["ent_000000000001", "ent_000000000002"])
            connection.execute(text("INSERT INTO enterprise_regions (enterprise_id, code) "
                                    "VALUES ('ent_000000000002', 'HK')"))
        engine.dispose()
        upgrade_database(empty_database, "0021")
        national = "SELECT id, national FROM enterprises ORDER BY id"
        with engine.begin() as connection:
            assert [tuple(r) for r in connection.execute(text(national))] == [
                ("ent_000000000001", True), ("ent_000000000002", False)]
            connection.execute(text("INSERT INTO enterprise_regions (enterprise_id, code) "
                                    "VALUES ('ent_000000000001', 'CN')"))
            connection.execute(text("DELETE FROM enterprise_regions WHERE code = 'HK'"))
            assert [tuple(r) for r in connection.execute(text(national))] == [
                ("ent_000000000001", False), ("ent_000000000002", True)]
        command.downgrade(alembic_config(empty_database), "0020")
        engine.dispose()
        assert "national" not in {c["name"] for c in inspect(engine).get_columns("enterprises")}
        with engine.begin() as connection:  # no trigger left to name a column that is gone
            connection.execute(text("DELETE FROM enterprise_regions"))
    finally:
        engine.dispose()


def test_0022_kept_cards_keep_their_ways_and_are_made_again(empty_database):
    """0022 drops the kept summaries (made again on their next read) and gives them their
    listing's ways in; a downgrade to 0021 takes the column away and keeps the cards."""
    from sqlalchemy import inspect

    upgrade_database(empty_database, "0021")
    engine = make_engine(empty_database)
    card = "INSERT INTO listing_cards (enterprise_id, language, generation, card{}) VALUES " \
           "('ent_000000000001', 'en', 1, :card{})"
    try:
        with engine.begin() as connection:
            _listings_by_sql(connection, ["ent_000000000001"])
            connection.execute(text(card.format("", "")), {"card": b"{}"})
        engine.dispose()
        upgrade_database(empty_database, "0022")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM listing_cards")).scalar() == 0
            connection.execute(text(card.format(", ways", ", :ways")), {"card": b"{}", "ways": b"[]"})
        command.downgrade(alembic_config(empty_database), "0021")
        engine.dispose()
        assert "ways" not in {c["name"] for c in inspect(engine).get_columns("listing_cards")}
        with engine.begin() as connection:
            assert connection.execute(text("SELECT card FROM listing_cards")).scalar() == b"{}"
    finally:
        engine.dispose()


def test_0023_listed_regions_are_worked_out_kept_and_taken_away(empty_database):
    """0023 works out the listed listings' region rows, its triggers keep them as regions and
    statuses change; a downgrade to 0022 takes the table and its triggers away."""
    from sqlalchemy import inspect

    upgrade_database(empty_database, "0022")
    engine = make_engine(empty_database)
    rows = "SELECT enterprise_id, code FROM listed_regions ORDER BY enterprise_id, code"
    try:
        with engine.begin() as connection:
            _listings_by_sql(connection, ["ent_000000000001", "ent_000000000002"])
            connection.execute(text("INSERT INTO enterprise_regions (enterprise_id, code) VALUES "
                                    "('ent_000000000001', 'HK'), ('ent_000000000002', 'CN')"))
            connection.execute(text("UPDATE enterprises SET status = 'suspended' "
                                    "WHERE id = 'ent_000000000002'"))
        engine.dispose()
        upgrade_database(empty_database, "0023")
        with engine.begin() as connection:
            assert [tuple(r) for r in connection.execute(text(rows))] == [("ent_000000000001", "HK")]
            connection.execute(text("UPDATE enterprises SET status = 'active' "
                                    "WHERE id = 'ent_000000000002'"))
            connection.execute(text("DELETE FROM enterprise_regions WHERE code = 'HK'"))
            assert [tuple(r) for r in connection.execute(text(rows))] == [("ent_000000000002", "CN")]
        command.downgrade(alembic_config(empty_database), "0022")
        engine.dispose()
        assert "listed_regions" not in inspect(engine).get_table_names()
        with engine.begin() as connection:  # no trigger left to name a table that is gone
            connection.execute(text("DELETE FROM enterprise_regions"))
            connection.execute(text("UPDATE enterprises SET status = 'suspended'"))
    finally:
        engine.dispose()


def test_0024_kept_answers_keep_their_search_cards_and_are_made_again(empty_database):
    """0024 drops the kept answers (made again on their next read) and gives them a search
    card; a downgrade to 0023 takes the column away and keeps the answers."""
    from sqlalchemy import inspect

    upgrade_database(empty_database, "0023")
    engine = make_engine(empty_database)
    answer = "INSERT INTO listing_reads (enterprise_id, language, generation, body{}) VALUES " \
             "('ent_000000000001', 'en', 1, :body{})"
    try:
        with engine.begin() as connection:
            _listings_by_sql(connection, ["ent_000000000001"])
            connection.execute(text(answer.format("", "")), {"body": b"{}"})
        engine.dispose()
        upgrade_database(empty_database, "0024")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM listing_reads")).scalar() == 0
            connection.execute(text(answer.format("", "")), {"body": b"{}"})
            # empty ('' on SQLite, b'' on PostgreSQL): read as no card, so the answer is made again
            assert connection.execute(text("SELECT found FROM listing_reads")).scalar() in ("", b"")
        command.downgrade(alembic_config(empty_database), "0023")
        engine.dispose()
        assert "found" not in {c["name"] for c in inspect(engine).get_columns("listing_reads")}
        with engine.begin() as connection:
            assert connection.execute(text("SELECT body FROM listing_reads")).scalar() == b"{}"
    finally:
        engine.dispose()
