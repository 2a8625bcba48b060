"""What the crowd adds to a listing's channels as the public reads them: how many tips each
channel has (``directory.tips``). One query for all the channels of a listing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.models import Channel
from directory.tips import Tip


@dataclass(frozen=True)
class CrowdNote:
    tips: int = 0  # shown tips on the channel


def crowd_notes(session: Session, channels: list[Channel]) -> dict[str, CrowdNote]:
    """Per channel id of *channels*: what the crowd says of it (absent: nothing)."""
    ids = [channel.id for channel in channels if channel.kind == "phone"]
    if not ids:
        return {}
    rows = session.execute(select(Tip.channel_id, func.count()).where(
        Tip.channel_id.in_(ids), Tip.hidden.is_(False)).group_by(Tip.channel_id)).all()
    return {channel_id: CrowdNote(tips=int(count)) for channel_id, count in rows}
