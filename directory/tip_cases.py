"""The use cases of tips (the rules are ``directory.tips``'): a consumer adds a tip to a phone
channel, votes on others' tips, reports them; anyone reads a channel's tips, best first; the
listing's keepers and administrators hide or show them again."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from directory.accounts import User, lock_account, require_admin, role_of
from directory.crowd_rules import CrowdInputError, check_daily_cap, clean_keys, clean_text
from directory.errors import Conflict, NotAllowed, NotFound
from directory.listings import public_channel
from directory.models import Channel, utcnow
from directory.pages import Key, Listing
from directory.tips import (
    BEST_TIME_LIMIT,
    DAILY_CAPS,
    TEXT_LIMIT,
    Tip,
    TipReport,
    TipVote,
    hide_when_reported,
    recount,
    settle_path,
    vote_weight,
)

BEST_FIRST = Key(((Tip.confidence, True), (Tip.id, True)))
NEWEST_TIPS = Key.newest_first(Tip.created_at, Tip.id)


def _shown_tip(session: Session, tip_id: str) -> tuple[Tip, Channel]:
    """A tip people see (not hidden, on a listed channel), with its channel; NotFound else."""
    tip = session.get(Tip, tip_id) if len(tip_id) <= 32 else None
    if tip is None or tip.hidden:
        raise NotFound(f"No shown tip has the id {tip_id!r}.")
    try:
        _enterprise, channel = public_channel(session, tip.channel_id)
    except NotFound:
        raise NotFound(f"No shown tip has the id {tip_id!r}.") from None
    return tip, channel


def _lock_tip(session: Session, tip: Tip) -> None:
    """Serialise writers of one tip's totals (a no-op update holds its row until commit)."""
    session.execute(update(Tip).where(Tip.id == tip.id).values(hidden=Tip.hidden)
                    .execution_options(synchronize_session=False))


def add_tip(session: Session, user: User, channel_id: str, *, keys: list[str],
            best_time: str | None = None, text: str | None = None) -> Tip:
    """*user* tells which keys reach a person on a listed phone channel (see the rules in
    ``directory.tips``); a shown tip with the same keys is a Conflict (vote on it instead)."""
    enterprise, channel = public_channel(session, channel_id)
    if channel.kind != "phone":
        raise CrowdInputError("Tips tell which keys reach a person: phone channels only.",
                              field="channel_id")
    stored = clean_keys(keys)
    best = clean_text(best_time, field="best_time", limit=BEST_TIME_LIMIT)
    words = clean_text(text, field="text", limit=TEXT_LIMIT)
    now = utcnow()
    lock_account(session, user.id)
    check_daily_cap(session, "tips", Tip.created_at, Tip.user_id, user.id, now,
                    DAILY_CAPS["tips"])
    same = session.scalar(select(Tip.id).where(Tip.channel_id == channel.id, Tip.keys == stored,
                                               Tip.hidden.is_(False)))
    if same is not None:
        raise Conflict(f"A tip with these keys is on this channel already ({same}): say whether "
                       "it worked instead.", tip=same)
    tip = Tip(id=f"tip_{secrets.token_hex(8)}", channel_id=channel.id, enterprise_id=enterprise.id,
              user_id=user.id, keys=stored, best_time=best, text=words, created_at=now,
              worked_weight=0, failed_weight=0, worked_accounts=0, failed_accounts=0, confidence=0,
              hidden=False)
    session.add(tip)
    session.commit()
    return tip


def vote_on_tip(session: Session, user: User, tip_id: str, *, worked: bool) -> Tip:
    """*user* says whether a shown tip worked; one vote per account and tip, a second one
    replaces the first (and weighs what the account weighs now); not on one's own tip."""
    tip, channel = _shown_tip(session, tip_id)
    if tip.user_id == user.id:
        raise NotAllowed("You cannot vote on your own tip.")
    now = utcnow()
    created = lock_account(session, user.id)
    check_daily_cap(session, "votes", TipVote.updated_at, TipVote.user_id, user.id, now,
                    DAILY_CAPS["votes"])
    _lock_tip(session, tip)
    vote = session.get(TipVote, (tip.id, user.id))
    weight = vote_weight(created, now)
    if vote is None:
        session.add(TipVote(tip_id=tip.id, user_id=user.id, worked=worked, weight=weight,
                            created_at=now, updated_at=now))
    else:
        vote.worked, vote.weight, vote.updated_at = worked, weight, now
    session.flush()
    recount(session, tip)
    settle_path(session, channel)
    session.commit()
    return tip


def withdraw_vote(session: Session, user: User, tip_id: str) -> None:
    """*user* takes back their vote on a tip (NotFound when they have none)."""
    tip = session.get(Tip, tip_id) if len(tip_id) <= 32 else None
    vote = session.get(TipVote, (tip.id, user.id)) if tip else None
    if tip is None or vote is None:
        raise NotFound(f"You have no vote on a tip {tip_id!r}.")
    lock_account(session, user.id)
    _lock_tip(session, tip)
    session.delete(vote)
    session.flush()
    recount(session, tip)
    settle_path(session, session.get(Channel, tip.channel_id))
    session.commit()


def report_tip(session: Session, user: User, tip_id: str, *, reason: str) -> Tip:
    """*user* reports a shown tip (once per account; not their own); it is hidden once enough
    distinct accounts did (``directory.tips.hide_when_reported``)."""
    tip, channel = _shown_tip(session, tip_id)
    if tip.user_id == user.id:
        raise NotAllowed("You cannot report your own tip; withdraw it instead.")
    now = utcnow()
    lock_account(session, user.id)
    check_daily_cap(session, "reports", TipReport.created_at, TipReport.user_id, user.id, now,
                    DAILY_CAPS["reports"])
    if session.get(TipReport, (tip.id, user.id)) is not None:
        raise Conflict("You reported this tip already.")
    _lock_tip(session, tip)
    session.add(TipReport(tip_id=tip.id, user_id=user.id, reason=reason, created_at=now))
    session.flush()
    hide_when_reported(session, tip, now)
    settle_path(session, channel)
    session.commit()
    return tip


def moderate_tip(session: Session, user: User, tip_id: str, *, hidden: bool,
                 as_admin: bool = False) -> Tip:
    """The listing's keepers (or, *as_admin*, a c800 administrator) hide a tip or show it
    again; a keeper cannot show again what an administrator hid. Reports filed before it is
    shown again do not hide it again."""
    if as_admin:
        require_admin(user)
    tip = session.get(Tip, tip_id) if len(tip_id) <= 32 else None
    if tip is None or not (as_admin or role_of(session, user, tip.enterprise_id)):
        raise NotFound(f"No tip of a listing you keep has the id {tip_id!r}.")
    hider = "admin" if as_admin else "keeper"
    if tip.hidden and tip.hidden_by == "admin" and hider != "admin":
        raise NotAllowed("A c800 administrator hid this tip; only an administrator may show it again.")
    now = utcnow()
    if hidden and (not tip.hidden or hider == "admin"):  # c800's word outranks a keeper's
        tip.hidden, tip.hidden_by, tip.hidden_at = True, hider, tip.hidden_at or now
    elif not hidden and tip.hidden:
        tip.hidden, tip.hidden_by, tip.hidden_at, tip.restored_at = False, None, None, now
    settle_path(session, session.get(Channel, tip.channel_id))
    session.commit()
    return tip


def withdraw_tip(session: Session, user: User, tip_id: str) -> None:
    """*user* deletes a tip of theirs, its votes and reports with it."""
    tip = session.get(Tip, tip_id) if len(tip_id) <= 32 else None
    if tip is None or tip.user_id != user.id:
        raise NotFound(f"You have no tip {tip_id!r}.")
    channel = session.get(Channel, tip.channel_id)
    session.delete(tip)
    settle_path(session, channel)
    session.commit()


def channel_tips(session: Session, channel_id: str) -> Listing:
    """The shown tips of a listed channel, most trusted first."""
    _enterprise, channel = public_channel(session, channel_id)
    return Listing(select(Tip).where(Tip.channel_id == channel.id, Tip.hidden.is_(False)), BEST_FIRST)


def my_tips(user: User) -> Listing:
    """*user*'s tips, hidden ones too, newest first."""
    return Listing(select(Tip).where(Tip.user_id == user.id), NEWEST_TIPS)


def my_vote(session: Session, user: User, tip_id: str) -> bool | None:
    vote = session.get(TipVote, (tip_id, user.id))
    return None if vote is None else vote.worked

