"""The one model registry: every module that declares tables, so that ``Base.metadata`` holds
them all, and what each table says of itself (``directory.db.table_facts``).

Who reads it: the migrations (``migrations/env.py`` compares the models with the database),
the archive (``directory/archive*``: which tables and columns an export keeps, in which
order, what a restore rebuilds) and the response cache (``api/cache.py``: which tables no
public read shows). Nobody keeps a table list by hand; a new model module is added to
:data:`MODEL_MODULES`, a new table says its facts where it is declared
(``tests/directory/test_registry.py`` fails until both are done).

:data:`MODEL_MODULES` is in foreign-key order, parents first; within a module, tables come in
the order their classes are declared. That is the order of an archive's tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from sqlalchemy import MetaData, Table

import directory.account_links
import directory.accounts
import directory.claims
import directory.contacts
import directory.credentials
import directory.dead_numbers
import directory.devices
import directory.experiences
import directory.idempotency_records
import directory.listing_reads
import directory.lookup_keys
import directory.members
import directory.models
import directory.notifications
import directory.outbox
import directory.reviews
import directory.serving
import directory.suggestions
import directory.tips
import directory.versions
import directory.webhooks
from directory.db import ARCHIVE_TREATMENTS, DERIVED, KEPT, Base

MODEL_MODULES: tuple[ModuleType, ...] = (
    directory.models,  # industries, enterprises, their regions, channels, notices
    directory.versions,  # listing_versions
    directory.reviews,  # fact_reviews
    directory.accounts,  # users, user_sessions, memberships
    directory.account_links,  # account_links (mailed single-use links)
    directory.members,  # member_invitations
    directory.credentials,  # OAuth2 clients, codes, tokens
    directory.claims,  # claims, reports
    directory.contacts,  # follows, channel_days, handoffs, callback_requests
    directory.experiences,  # experiences, their counters, live statuses
    directory.tips,  # tips (public; who wrote one is never shown), tip_votes, tip_reports (private)
    directory.suggestions,  # suggestions (private: who proposed is shown to nobody but them)
    directory.dead_numbers,  # out_of_service_reports (what public reads add up; never who)
    directory.webhooks,  # webhooks, webhook_deliveries
    directory.devices,  # devices (push tokens, Web Push subscriptions; private)
    directory.notifications,  # notification_events, notifications (inboxes), push_deliveries
    directory.lookup_keys,  # lookup_keys (derived)
    directory.serving,  # listed_regions (derived: the listed listings' region rows)
    directory.listing_reads,  # listing_reads, listing_cards (the read model: answers, summaries)
    directory.outbox,  # listing_changes (the search outbox)
    directory.idempotency_records,  # idempotency_keys
)
metadata: MetaData = Base.metadata


def _module_of() -> dict[str, str]:
    return {mapper.local_table.name: mapper.class_.__module__ for mapper in Base.registry.mappers
            if isinstance(mapper.local_table, Table)}


def tables() -> list[Table]:
    """Every table: model module by model module (:data:`MODEL_MODULES`), each module's tables
    in the order their classes are declared."""
    rank = {module.__name__: position for position, module in enumerate(MODEL_MODULES)}
    owner = _module_of()
    declared = list(metadata.tables)  # a module's classes add their tables in declaration order
    return sorted(metadata.tables.values(),
                  key=lambda table: (rank.get(owner.get(table.name, ""), len(rank)),
                                     declared.index(table.name)))


def private_tables() -> frozenset[str]:
    """The tables no public read shows: writing only these keeps the response cache's answers."""
    return frozenset(table.name for table in tables() if table.info.get("public") is False)


def problems(every: Iterable[Table] | None = None) -> list[str]:
    """What is wrong with the facts of *every* table (all of them by default): each table says
    whether public reads show it and how the archive treats it; what is left out says why."""
    found = []
    for table in tables() if every is None else every:
        info = table.info
        if not isinstance(info.get("public"), bool):
            found.append(f"{table.name}: does not say whether public reads show it "
                         "(__table_args__ = table_facts(public=...))")
        archive = info.get("archive")
        if archive not in ARCHIVE_TREATMENTS:
            found.append(f"{table.name}: archive treatment {archive!r} is none of {ARCHIVE_TREATMENTS}")
        elif archive != KEPT and not info.get("why"):
            found.append(f"{table.name}: left out of the archive without saying why")
        elif archive == DERIVED and not callable(info.get("rebuild")):
            found.append(f"{table.name}: derived, but says nothing that rebuilds it")
        for column in table.columns:
            if "withheld" not in column.info and "redacted" not in column.info:
                continue
            if archive != KEPT:
                found.append(f"{table.name}.{column.name}: withheld from a table the archive leaves out")
            elif not (column.info.get("withheld") or column.info.get("redacted")):
                found.append(f"{table.name}.{column.name}: withheld without saying why")
            elif "withheld" in column.info and column.info.get("restore") is None \
                    and not column.nullable:
                found.append(f"{table.name}.{column.name}: withheld, not nullable, and nothing "
                             "restores it")
    return found
