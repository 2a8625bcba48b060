"""Callback requests: a consumer asks an enterprise to call back within a time window, and the
enterprise's keepers accept, complete or decline it. The number is erased once the request is
over. A consumer has at most ``MAX_OPEN_CALLBACKS`` requests open at once across all channels,
and makes at most ``MAX_CALLBACKS_A_DAY`` in any 24 hours (cancelled ones count: cancelling
frees a place among the open ones, not in the day's).

The rules (:func:`request_callback`, :func:`move_callback`) and the use cases of both sides:
the consumer's (ask, list, read, cancel their own) and the keepers' (the listing's queue, read,
answer). A request asked or cancelled is a webhook event saying where the keepers read it
(``read_at``: the address the caller gives for a request's id). The
:class:`~directory.contacts.CallbackRequest` rows are ``directory.contacts``'.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.accounts import User, lock_account
from directory.contacts import (
    CALLBACK_OPEN,
    CALLBACK_STATUSES,
    INVALID_BODY,
    CallbackRequest,
    ContactError,
    count_day,
)
from directory.errors import Conflict, InvalidInput, TooMany
from directory.keepers import kept_listing, kept_row, own_row
from directory.listings import public_channel
from directory.models import Channel, utcnow
from directory.notifications import notify_callback
from directory.pages import Key, Listing
from directory.phones import callback_number
from directory.validation import CALLBACK_KINDS
from directory.webhooks import emit

# What the enterprise may do from each state; the consumer may cancel an open request.
CALLBACK_MOVES = {"requested": ("accepted", "declined"), "accepted": ("completed", "declined")}
MIN_WINDOW, MAX_WINDOW = timedelta(minutes=15), timedelta(hours=12)
MAX_AHEAD = timedelta(days=14)
MAX_OPEN_CALLBACKS = 3  # open requests of one consumer at once, across channels
MAX_CALLBACKS_A_DAY = 5  # requests one consumer makes in any 24 hours, cancelled ones included
CALLBACK_DAY = timedelta(hours=24)
NEWEST_CALLBACKS = Key.newest_first(CallbackRequest.created_at, CallbackRequest.id)

# Where the listing's keepers read a callback request, from its id (an address of the caller's).
ReadAt = Callable[[str], str]


# --- the rules -------------------------------------------------------------------------------

def offers_callbacks(channel: Channel) -> bool:
    return (channel.accepts_callbacks and channel.kind in CALLBACK_KINDS
            and channel.direction == "contact" and not channel.hidden)


def request_callback(session: Session, channel: Channel, user_id: str, *, phone: str, topic: str,
                     details: str | None, window_start: datetime, window_end: datetime
                     ) -> CallbackRequest:
    now = utcnow()
    if not offers_callbacks(channel):
        raise Conflict("This channel does not take callback requests.", field="channel_id")
    if window_end <= window_start:
        raise ContactError("The window ends after it starts.", field="window_end")
    if window_start < now - timedelta(minutes=1):
        raise ContactError("The window starts in the past.", field="window_start")
    if window_start > now + MAX_AHEAD:
        raise ContactError("The window starts within 14 days.", field="window_start")
    if not MIN_WINDOW <= window_end - window_start <= MAX_WINDOW:
        raise ContactError("A window lasts 15 minutes to 12 hours.", field="window_end")
    lock_account(session, user_id)  # the counts below hold against this account's other requests
    open_requests = session.execute(select(CallbackRequest.id, CallbackRequest.channel_id).where(
        CallbackRequest.user_id == user_id, CallbackRequest.status.in_(CALLBACK_OPEN),
        CallbackRequest.window_end > now)).all()
    pending = next((ident for ident, on in open_requests if on == channel.id), None)
    if pending is not None:
        raise Conflict(f"Your callback request {pending} on this channel is still open.")
    if len(open_requests) >= MAX_OPEN_CALLBACKS:
        raise Conflict(f"You have {MAX_OPEN_CALLBACKS} callback requests open; cancel one or "
                       "wait until one is over.")
    _check_daily_callbacks(session, user_id, now)
    callback = CallbackRequest(
        id=f"cbk_{secrets.token_hex(8)}", enterprise_id=channel.enterprise_id,
        channel_id=channel.id, user_id=user_id, phone=phone, topic=topic, details=details,
        window_start=window_start, window_end=window_end, status="requested", created_at=now,
        updated_at=now)
    session.add(callback)
    session.flush()
    count_day(session, channel, now, callbacks=1)
    return callback


def _check_daily_callbacks(session: Session, user_id: str, now: datetime) -> None:
    """TooMany (``retry_after`` seconds) when the account made MAX_CALLBACKS_A_DAY requests in
    the last 24 h."""
    recent = session.scalars(select(CallbackRequest.created_at).where(
        CallbackRequest.user_id == user_id, CallbackRequest.created_at > now - CALLBACK_DAY)
        .order_by(CallbackRequest.created_at.desc()).limit(MAX_CALLBACKS_A_DAY)).all()
    if len(recent) >= MAX_CALLBACKS_A_DAY:
        wait = recent[-1] + CALLBACK_DAY - now
        raise TooMany(f"You made {MAX_CALLBACKS_A_DAY} callback requests in the last 24 hours "
                      "(cancelled ones count); ask again later.",
                      retry_after=max(1, math.ceil(wait.total_seconds())))


def move_callback(callback: CallbackRequest, status: str, note: str | None, *, by_consumer: bool) -> None:
    now = utcnow()
    current = callback.shown_status(now)
    allowed = CALLBACK_OPEN if by_consumer else tuple(CALLBACK_MOVES)
    if by_consumer and status != "cancelled":
        raise ContactError("You can only cancel a request.", field="status")
    if current not in allowed or (not by_consumer and status not in CALLBACK_MOVES[current]):
        raise Conflict(f"The request is {current}; it cannot become {status}.")
    callback.status, callback.updated_at = status, now
    if note is not None:
        callback.note = note
    if status not in CALLBACK_OPEN:
        callback.phone = None  # the number was shared for this call only


# --- events ---------------------------------------------------------------------------------

def callback_event(callback: CallbackRequest, url: str) -> dict:
    """A webhook's data on *callback*: what happened and where to read it (*url*), never what
    the consumer wrote."""
    return {"id": callback.id, "channel_id": callback.channel_id,
            "status": callback.shown_status(utcnow()),
            "window_start": callback.window_start.isoformat(),
            "window_end": callback.window_end.isoformat(), "url": url}


# --- the consumer's use cases ----------------------------------------------------------------

def ask_callback(session: Session, user: User, channel_id: str, *, phone: str, topic: str,
                 details: str | None, window_start: datetime, window_end: datetime,
                 read_at: ReadAt) -> CallbackRequest:
    """*user* asks to be called back on *phone* through a listed channel that takes requests."""
    _enterprise, channel = public_channel(session, channel_id)
    number = callback_number(phone)
    if number is None:
        raise InvalidInput(INVALID_BODY, errors={
            "phone": ["Not a mobile or landline number one can call back."]})
    callback = request_callback(session, channel, user.id, phone=number, topic=topic,
                                details=details, window_start=window_start, window_end=window_end)
    emit(session, channel.enterprise_id, "callback.requested",
         callback_event(callback, read_at(callback.id)))
    session.commit()
    return callback


def my_callbacks(user: User) -> Listing:
    """*user*'s callback requests, newest first."""
    return Listing(select(CallbackRequest).where(CallbackRequest.user_id == user.id), NEWEST_CALLBACKS)


def my_callback(session: Session, user: User, callback_id: str) -> CallbackRequest:
    """One of *user*'s callback requests; NotFound otherwise."""
    return own_row(session, user, CallbackRequest, callback_id, "callback request")


def cancel_callback(session: Session, user: User, callback_id: str, read_at: ReadAt) -> CallbackRequest:
    """*user* cancels an open request of theirs; their number is erased."""
    callback = own_row(session, user, CallbackRequest, callback_id, "callback request")
    move_callback(callback, "cancelled", None, by_consumer=True)
    emit(session, callback.enterprise_id, "callback.cancelled",
         callback_event(callback, read_at(callback.id)))
    session.commit()
    return callback


# --- the keepers' use cases ------------------------------------------------------------------

def callback_queue(session: Session, user: User, enterprise_id: str, status: str | None) -> Listing:
    """The callback requests to a listing *user* keeps (only those in *status* when given),
    newest first."""
    enterprise = kept_listing(session, user, enterprise_id, write=False)
    if status is not None and status not in CALLBACK_STATUSES:
        raise InvalidInput("The request's parameters are not valid.",
                           errors={"status": [f"One of: {', '.join(CALLBACK_STATUSES)}."]})
    query = select(CallbackRequest).where(CallbackRequest.enterprise_id == enterprise.id)
    if status:
        query = query.where(CallbackRequest.status == status)
    return Listing(query, NEWEST_CALLBACKS)


def kept_callback(session: Session, user: User, callback_id: str) -> CallbackRequest:
    """A callback request to a listing *user* keeps; NotFound otherwise."""
    return kept_row(session, user, CallbackRequest, callback_id, "callback request", write=False)


def answer_callback(session: Session, user: User, callback_id: str, status: str,
                    note: str | None) -> CallbackRequest:
    """The keepers accept, complete or decline a request to their listing, with a note the
    consumer sees."""
    callback = kept_row(session, user, CallbackRequest, callback_id, "callback request")
    move_callback(callback, status, note, by_consumer=False)
    notify_callback(session, callback)
    session.commit()
    return callback
