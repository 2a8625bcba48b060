"""A session factory gets its listeners once, and every new factory gets them, even one whose
generated Session class lands where a collected factory's class was (SQLAlchemy's registry
still lists the old class's listeners under that address)."""

from __future__ import annotations

import gc

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import sessionmaker

from directory.importer import import_directory
from directory.lookup_keys import LookupKey, track_lookup_keys
from directory.models import Channel
from directory.outbox import ListingChange, track_listing_changes
from directory.session_hooks import install_once
from tests.factories import enterprise, write_data


def test_install_once_installs_on_each_factory_once():
    calls: list[str] = []
    first, second = sessionmaker(), sessionmaker()
    assert install_once(first, "probe", [("after_begin", lambda *_: calls.append("first"))])
    assert not install_once(first, "probe", [("after_begin", lambda *_: calls.append("again"))])
    assert install_once(second, "probe", [("after_begin", lambda *_: calls.append("second"))])
    assert install_once(first, "other", [])
    engine = create_engine("sqlite://")
    for factory in (first, second):
        with factory(bind=engine) as session:
            session.execute(text("select 1"))
    assert calls == ["first", "second"]
    engine.dispose()


def test_every_new_factory_tracks_its_changes_though_collected_factories_did(session_factory, tmp_path):
    engine = session_factory.kw["bind"]
    with session_factory() as session:
        import_directory(session, write_data(tmp_path / "d", [enterprise("ent_000000000001")]))
        session.commit()
    for round_ in range(20):
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        track_listing_changes(factory)
        track_lookup_keys(factory)
        with factory() as session:
            channel = session.scalars(select(Channel).where(Channel.kind == "phone")).first()
            channel.value = channel.checked_value = f"+86108888{round_:04d}"
            channel.checked_kind = "phone"
            session.commit()
            written = list(session.scalars(select(ListingChange.enterprise_id)))
            keys = set(session.scalars(select(LookupKey.key)))
            assert written == ["ent_000000000001"], round_
            assert f"tel:+86108888{round_:04d}" in keys, round_
            for row in session.scalars(select(ListingChange)):
                session.delete(row)
            session.commit()
        del factory, session
        gc.collect()
