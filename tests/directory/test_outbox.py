"""Every listing change writes an outbox row in its own transaction, and only then."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.importer import import_directory
from directory.models import Channel, Enterprise, Industry
from directory.outbox import ListingChange, track_listing_changes, wrote_changes
from directory.sessions import make_session_factory
from tests.factories import enterprise, write_data

BACKENDS = pytest.mark.parametrize("fresh_database", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def tracked(session_factory):
    track_listing_changes(session_factory)
    return session_factory


def changes(session) -> list[str]:
    return list(session.scalars(select(ListingChange.enterprise_id).order_by(ListingChange.id)))


def clear(session) -> None:
    for row in session.scalars(select(ListingChange)):
        session.delete(row)
    session.commit()


@BACKENDS
def test_import_writes_one_row_per_changed_listing_in_the_same_transaction(tracked, tmp_path):
    data = write_data(tmp_path / "d", [enterprise("ent_000000000001"), enterprise("ent_000000000002")])
    with tracked() as session:
        import_directory(session, data)
        session.rollback()
        assert changes(session) == []  # rolled back together with the listings
        import_directory(session, data)
        session.commit()
        assert sorted(changes(session)) == ["ent_000000000001", "ent_000000000002"]
        clear(session)
        import_directory(session, data)  # nothing changed: nothing to index
        session.commit()
        assert changes(session) == []
        write_data(tmp_path / "d", [enterprise("ent_000000000001", aliases=["工行"]),
                                    enterprise("ent_000000000002")])
        import_directory(session, data)
        session.commit()
        assert changes(session) == ["ent_000000000001"]


@BACKENDS
def test_channel_delete_and_industry_edits_are_changes(tracked, tmp_path):
    data = write_data(tmp_path / "d", [enterprise("ent_000000000001"), enterprise("ent_000000000002")])
    with tracked() as session:
        import_directory(session, data)
        session.commit()
        clear(session)
        channel = session.scalars(select(Channel).where(Channel.enterprise_id == "ent_000000000002")).first()
        channel.label = "总行"
        session.commit()
        assert changes(session) == ["ent_000000000002"]
        clear(session)
        session.get(Industry, "finance").name_en = "Financial services"  # the parent of banking
        session.commit()
        assert sorted(changes(session)) == ["ent_000000000001", "ent_000000000002"]
        clear(session)
        session.delete(session.get(Enterprise, "ent_000000000001"))
        session.commit()
        assert changes(session) == ["ent_000000000001"]


def test_an_after_commit_hook_hears_only_of_commits_that_wrote_rows(session_factory, tmp_path):
    calls: list[str] = []
    hooks = [lambda session: calls.append("commit") if wrote_changes(session) else None]
    tracked = make_session_factory(session_factory.kw["bind"], outbox=True, after_commit=hooks)
    data = write_data(tmp_path / "d", [enterprise()])
    with tracked() as session:
        import_directory(session, data)
        session.rollback()
        session.commit()
        assert calls == []
        import_directory(session, data)
        session.commit()
        assert calls == ["commit"]
        session.execute(select(Enterprise)).all()
        session.commit()
        assert calls == ["commit"]
