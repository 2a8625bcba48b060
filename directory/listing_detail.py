"""A listing as the public reads it: the listed enterprise, its channels serving a region best
first (``directory.reach``), the wait to expect on each, and what its ``verified`` rests on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from directory.crowd_notes import CrowdNote, crowd_notes
from directory.experience_summaries import ExpectedWait, expected_waits
from directory.listings import public_enterprise
from directory.models import Channel, Enterprise
from directory.reach import channels_for
from directory.reviews import Verification, verification_of


@dataclass(frozen=True)
class ListingDetail:
    enterprise: Enterprise
    channels: list[Channel]  # serving the region asked (every one when none), best first
    waits: dict[str, ExpectedWait]  # per channel
    verification: Verification | None  # None when the listing is not verified
    crowd: dict[str, CrowdNote]  # per channel: what the crowd says of it (tips)


def listing_detail(session: Session, enterprise_id: str, *, at: datetime,
                   region: str | None = None, language: str | None = None) -> ListingDetail:
    """The publicly listed enterprise *enterprise_id* as of *at*, its channels serving *region*
    in the order for a reader of *language*; NotFound when it is not listed."""
    enterprise = public_enterprise(session, enterprise_id)
    channels = channels_for(enterprise, at, region, language)
    return ListingDetail(enterprise, channels, expected_waits(session, channels, at),
                         verification_of(session, enterprise), crowd_notes(session, channels, at))
