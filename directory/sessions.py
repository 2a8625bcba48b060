"""The sessions of the app and its commands: what every unit of work on the database keeps in
step, and what runs once it commits.

In the transaction itself, each flush refreshes the derived ``lookup_keys`` of the enterprises
it touched (``directory.lookup_keys.track_lookup_keys``) and, for the app's sessions, writes a
``listing_changes`` outbox row per listing it changed (``directory.outbox``).

After a commit, the factory runs the hooks its maker named, in order, each with the session
that committed (a hook looks at ``session.info`` for what the transaction wrote). The app names
them in one place (``api.state.AppState.after_commit``): drain the search outbox, replace the
response cache's change stamp. Engines are made by ``directory.db.make_engine``.
"""

from __future__ import annotations

from collections.abc import Callable, MutableSequence

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from directory.listing_order import track_listing_order
from directory.lookup_keys import track_lookup_keys
from directory.outbox import track_listing_changes

AfterCommit = Callable[[Session], None]


def make_session_factory(engine: Engine, *, outbox: bool = False,
                         after_commit: MutableSequence[AfterCommit] | None = None) -> sessionmaker:
    """Sessions on *engine* that keep ``lookup_keys`` and the enterprises' list orders
    (``directory.listing_order``) in step with each flush; with *outbox*,
    that also write the listing-change outbox; after each commit, the hooks in *after_commit*
    (read at each commit: the caller may complete the list once its parts exist)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    track_lookup_keys(factory)
    track_listing_order(factory)
    if outbox:
        track_listing_changes(factory)
    if after_commit is not None:
        hooks = after_commit

        def _run_hooks(session: Session) -> None:
            for hook in list(hooks):
                hook(session)

        event.listen(factory, "after_commit", _run_hooks)
    return factory
