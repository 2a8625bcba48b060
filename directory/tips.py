"""Consumers' tips on a channel: the keys that reach a person, the best time, a few words;
others say whether it worked.

Trust rules (the experiences' rules, docs/security.md):

- one vote per account and tip (changeable: the last word counts); nobody votes on their own
  tip; a vote weighs ``FULL_WEIGHT``, or ``NEW_ACCOUNT_WEIGHT`` (a quarter) while the account
  is younger than ``NEW_ACCOUNT_AGE`` (fixed when the vote is cast or changed);
- tips are ranked by ``confidence``: the Wilson lower bound of the weighted share of "worked"
  (votes counted in full accounts: weight / FULL_WEIGHT), stored in millionths;
- a tip's keys become the channel's way to a person (``to_person``, source ``community``)
  once ``PROMOTE_ACCOUNTS`` distinct accounts said it worked and its confidence is at least
  ``PROMOTE_CONFIDENCE`` (four established accounts and nobody against, or sixteen new ones),
  unless the channel has a way to a person from its source or the enterprise. If the tip
  falls below, is hidden, or a better one qualifies, the community's path follows;
- tips are hidden once ``HIDE_REPORTS`` distinct accounts reported them (since an owner or
  administrator last restored them), or by the listing's keepers or an administrator; hidden
  tips are not shown;
- per-account daily caps (``DAILY_CAPS``) on tips, votes and reports, counted in the database.

Who wrote or voted is never shown. The use cases are ``directory.tip_cases``'.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.crowd_rules import wilson_lower_bound
from directory.db import Base, UTCDateTime, table_facts
from directory.experiences import FULL_WEIGHT, NEW_ACCOUNT_AGE, NEW_ACCOUNT_WEIGHT
from directory.models import Channel, utcnow

COMMUNITY = "community"
PROMOTE_ACCOUNTS = 4
PROMOTE_CONFIDENCE = 500_000  # millionths: a Wilson lower bound of 0.5
HIDE_REPORTS = 3
TEXT_LIMIT, BEST_TIME_LIMIT = 280, 80
DAILY_CAPS = {"tips": 5, "votes": 60, "reports": 20}
HIDERS = ("reports", "keeper", "admin")
REPORT_REASONS = ("wrong", "scam", "offensive", "other")


class Tip(Base):
    """A consumer's tip on a channel, with its votes' totals."""

    __tablename__ = "tips"
    __table_args__ = (Index("ix_tips_rank", "channel_id", "hidden", "confidence", "id"),
                      table_facts(public=True))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), ForeignKey("channels.id", ondelete="CASCADE"))
    enterprise_id: Mapped[str] = mapped_column(String(32), ForeignKey("enterprises.id",
                                                                      ondelete="CASCADE"), index=True)
    # Who wrote it: never shown, kept so that they see their tips and cannot vote on them.
    user_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("users.id", ondelete="SET NULL"),
                                                nullable=True, index=True)
    keys: Mapped[str] = mapped_column(String(64))  # key steps, comma-separated
    best_time: Mapped[str | None] = mapped_column(String(BEST_TIME_LIMIT), nullable=True)
    text: Mapped[str | None] = mapped_column(String(TEXT_LIMIT), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    worked_weight: Mapped[int] = mapped_column(Integer, default=0)
    failed_weight: Mapped[int] = mapped_column(Integer, default=0)
    worked_accounts: Mapped[int] = mapped_column(Integer, default=0)
    failed_accounts: Mapped[int] = mapped_column(Integer, default=0)
    confidence: Mapped[int] = mapped_column(Integer, default=0)  # millionths
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_by: Mapped[str | None] = mapped_column(String(16), nullable=True)  # HIDERS
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When a keeper or administrator last showed it again: reports before do not hide it again.
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def promotable(self) -> bool:
        return (not self.hidden and self.worked_accounts >= PROMOTE_ACCOUNTS
                and self.confidence >= PROMOTE_CONFIDENCE)


class TipVote(Base):
    """One account's word on a tip: it worked, or it did not."""

    __tablename__ = "tip_votes"
    __table_args__ = table_facts(public=False)

    tip_id: Mapped[str] = mapped_column(String(32), ForeignKey("tips.id", ondelete="CASCADE"),
                                        primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    worked: Mapped[bool] = mapped_column(Boolean)
    weight: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class TipReport(Base):
    """One account's report that a tip is wrong, a scam or offensive."""

    __tablename__ = "tip_reports"
    __table_args__ = table_facts(public=False)

    tip_id: Mapped[str] = mapped_column(String(32), ForeignKey("tips.id", ondelete="CASCADE"),
                                        primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    reason: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def vote_weight(account_created: datetime | None, at: datetime) -> int:
    """What a vote cast at *at* by an account made at *account_created* weighs."""
    if account_created is None or at - account_created < NEW_ACCOUNT_AGE:
        return NEW_ACCOUNT_WEIGHT
    return FULL_WEIGHT


def confidence_of(worked_weight: int, failed_weight: int) -> int:
    """The Wilson lower bound of the weighted share that worked, in millionths; votes count in
    full accounts (weight / FULL_WEIGHT)."""
    bound = wilson_lower_bound(worked_weight / FULL_WEIGHT, (worked_weight + failed_weight) / FULL_WEIGHT)
    return int(bound * 1_000_000)


def recount(session: Session, tip: Tip) -> None:
    """The tip's totals from its votes (exact; the caller holds the voter's lock)."""
    rows = session.execute(select(TipVote.worked, func.count(), func.coalesce(func.sum(TipVote.weight), 0))
                           .where(TipVote.tip_id == tip.id).group_by(TipVote.worked)).all()
    totals = {worked: (int(accounts), int(weight)) for worked, accounts, weight in rows}
    tip.worked_accounts, tip.worked_weight = totals.get(True, (0, 0))
    tip.failed_accounts, tip.failed_weight = totals.get(False, (0, 0))
    tip.confidence = confidence_of(tip.worked_weight, tip.failed_weight)


def settle_path(session: Session, channel: Channel) -> None:
    """The channel's way to a person from the community: the keys of its most trusted
    promotable tip, or none; a way to a person from the channel's source or its enterprise is
    left alone."""
    if channel.to_person is not None and channel.to_person_source != COMMUNITY:
        return
    session.flush()
    best = session.scalars(select(Tip).where(
        Tip.channel_id == channel.id, Tip.hidden.is_(False),
        Tip.worked_accounts >= PROMOTE_ACCOUNTS, Tip.confidence >= PROMOTE_CONFIDENCE)
        .order_by(Tip.confidence.desc(), Tip.id.desc()).limit(1)).first()
    if best is None:
        channel.to_person, channel.to_person_source = None, None
    else:
        channel.to_person, channel.to_person_source = best.keys, COMMUNITY
        if channel.reaches_person is None:
            channel.reaches_person = True


def hide_when_reported(session: Session, tip: Tip, now: datetime) -> None:
    """Hide *tip* once HIDE_REPORTS distinct accounts reported it since it was last restored."""
    if tip.hidden:
        return
    query = select(func.count()).select_from(TipReport).where(TipReport.tip_id == tip.id)
    if tip.restored_at is not None:
        query = query.where(TipReport.created_at > tip.restored_at)
    if session.scalar(query) >= HIDE_REPORTS:
        tip.hidden, tip.hidden_by, tip.hidden_at = True, "reports", now
