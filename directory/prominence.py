"""Prominence: how likely a person looking for a company means this listing, as one integer.

Search orders the matches of one relevance tier by it (the engine's text score only breaks
ties of equal prominence), and the default browse order of the lists is by it. It is made
here, on the directory side, from facts of the listing, so both search engines and the lists
order alike. The signals and their points (the same table is in docs/search.md):

=====================  =====================================================================
verified               400 — a keeper proved they speak for the company
Wikidata id            300 — the brand is notable enough for Wikidata (read with ``getattr``:
                       the enterprise's ``wikidata`` field arrives with the data sources)
Chinese name           300 — the app's people are mostly Chinese readers; a listing with a
                       Chinese name is one they can recognise (one score for every language:
                       the lists and search do not rank per reader)
serves mainland China  150 — no regions (nationwide or unknown) or CN among them; a listing only
                       for Hong Kong, Macao, Taiwan or abroad is a regional arm for most readers
contact channels       round(80 × log2(1 + n)) for n visible contact channels (n ≤ 31): each
                       channel counts, with diminishing returns (1: 80, 3: 160, 7: 240, 15: 320);
                       channels on a platform most mainland users cannot open (X, Facebook,
                       YouTube…: ``directory.unreachable``) do not count: they are no way in for
                       most readers, and name-suggestion-index brings them by the handful for
                       global brands, which would otherwise outrank the Chinese listings meant
aliases                25 per alias, at most 3: brands people abbreviate are brands people know
popularity             round(100 × log2(1 + r)) for r counted experience reports on its
                       channels (r ≤ 63; one report per account, channel and week counts, so one
                       account cannot inflate it): 0 until people report
=====================  =====================================================================

The sum is at most 2,225 (well within the 0..32767 a search document holds). Popularity changes
without the listing being written: it is read when the listing is indexed or saved (an edit, an
import, ``flask search reindex``), not on every report.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from directory.experiences import ReachCount
from directory.models import Channel, Enterprise
from directory.unreachable import unreachable_platform

VERIFIED_POINTS = 400
WIKIDATA_POINTS = 300
CHINESE_NAME_POINTS = 300
MAINLAND_POINTS = 150
CHANNEL_POINTS, CHANNEL_CAP = 80, 31
ALIAS_POINTS, ALIAS_CAP = 25, 3
POPULARITY_POINTS, REPORT_CAP = 100, 63
MAINLAND = "CN"


@dataclass(frozen=True)
class Signals:
    """What prominence is made of (see the module's table)."""

    verified: bool = False
    wikidata: bool = False
    chinese_name: bool = False
    mainland: bool = True
    contact_channels: int = 0
    aliases: int = 0
    reports: int = 0


def score(signals: Signals) -> int:
    """The prominence of a listing with these *signals* (higher: more likely meant)."""
    channels = min(max(signals.contact_channels, 0), CHANNEL_CAP)
    reports = min(max(signals.reports, 0), REPORT_CAP)
    return (
        VERIFIED_POINTS * signals.verified
        + WIKIDATA_POINTS * signals.wikidata
        + CHINESE_NAME_POINTS * signals.chinese_name
        + MAINLAND_POINTS * signals.mainland
        + round(CHANNEL_POINTS * math.log2(1 + channels))
        + ALIAS_POINTS * min(max(signals.aliases, 0), ALIAS_CAP)
        + round(POPULARITY_POINTS * math.log2(1 + reports))
    )


MAX_SCORE = score(Signals(True, True, True, True, CHANNEL_CAP, ALIAS_CAP, REPORT_CAP))


def signals_of(enterprise: Enterprise, reports: int = 0, *, channels: Iterable[Channel] | None = None,
               regions: Iterable[str] | None = None) -> Signals:
    """The signals of *enterprise*: its own channels and regions (loaded or loadable), or the
    *channels* and region codes given (a flush that has not reached the collections yet)."""
    codes = list(regions) if regions is not None else [row.code for row in enterprise.region_rows]
    return Signals(
        verified=bool(enterprise.verified),
        wikidata=bool(getattr(enterprise, "wikidata", None)),
        chinese_name=bool(enterprise.name_zh_hans or enterprise.name_zh_hant),
        mainland=not codes or MAINLAND in codes,
        contact_channels=sum(1 for channel in (enterprise.channels if channels is None else channels)
                             # a channel not flushed yet has no defaults: contact, shown
                             if not channel.hidden and (channel.direction or "contact") == "contact"
                             and unreachable_platform(channel) is None),
        aliases=len(enterprise.aliases or ()),
        reports=reports,
    )


def prominence_of(enterprise: Enterprise, reports: int = 0, **given: Iterable) -> int:
    """The prominence of *enterprise* (*given*: ``channels`` and ``regions``, as signals_of)."""
    return score(signals_of(enterprise, reports, **given))


def report_counts(session: Session | Connection, ids: Iterable[str]) -> dict[str, int]:
    """Counted experience reports per listing of *ids* (listings without any are left out)."""
    wanted = list(dict.fromkeys(ids))
    counts: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = session.execute(
            select(Channel.enterprise_id, func.sum(ReachCount.reports))
            .join(ReachCount, ReachCount.channel_id == Channel.id)
            .where(Channel.enterprise_id.in_(chunk), Channel.hidden.is_(False))
            .group_by(Channel.enterprise_id))
        counts.update({ident: int(total or 0) for ident, total in rows})
    return counts


def reports_of(session: Session, enterprise_id: str) -> int:
    return report_counts(session, [enterprise_id]).get(enterprise_id, 0)
