"""What the crowd adds to a listing's channels as the public reads them: how many tips each
phone channel has (``directory.tips``) and whether its number may be out of service
(``directory.dead_numbers``). A query or two for all the channels of a listing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.dead_numbers import out_of_service_until
from directory.models import Channel
from directory.tips import Tip


@dataclass(frozen=True)
class CrowdNote:
    tips: int = 0  # shown tips on the channel
    # Several accounts reported the number dead: the hint holds until then (None: no hint).
    out_of_service_until: datetime | None = None


def crowd_notes(session: Session, channels: list[Channel], at: datetime) -> dict[str, CrowdNote]:
    """Per channel id of *channels*: what the crowd says of it at *at* (absent: nothing)."""
    ids = [channel.id for channel in channels if channel.kind == "phone"]
    tips: dict[str, int] = {}
    if ids:
        rows = session.execute(select(Tip.channel_id, func.count()).where(
            Tip.channel_id.in_(ids), Tip.hidden.is_(False)).group_by(Tip.channel_id)).all()
        tips = {channel_id: int(count) for channel_id, count in rows}
    dead = out_of_service_until(session, channels, at)
    return {channel_id: CrowdNote(tips=tips.get(channel_id, 0), out_of_service_until=dead.get(channel_id))
            for channel_id in set(tips) | set(dead)}
