"""The listing answer from the read model (``directory.listing_reads``): one query by key, then
only what depends on the instant worked out per request.

:func:`make` answers the way the listing view always did (``listing_detail`` ->
``listing_dump`` -> the schema) and also returns the record to keep: that answer, as dumped,
plus the plan of what changes with time (``directory.time_plan``) and every shown notice with
its window. :func:`serve` brings a kept record to the instant asked: each channel's status
(open now, next opening and closing), live status and expected wait, the "may be out of
service" hint, the channels' order (open ones first within their tier), the current notices,
and the share link (it depends on the configuration, not on the listing). Both give the same
answer for the same listing and instant (``tests/api/test_read_model.py`` holds them to it).
Only the default view is kept: any platform, no topic, every region, now.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.cache import not_after
from api.found_cards import found_card
from api.presenters.channels import OUT_OF_SERVICE, wait_dump
from api.presenters.enterprises import listing_dump, visible_notices
from api.presenters.share import share_url
from api.schemas.channels import ChannelSchema
from api.schemas.enterprises import EnterpriseSchema
from directory.hours import HoursStatus, status_at
from directory.listing_detail import listing_detail
from directory.listing_reads import generation_of, keep, ready
from directory.reach import order_key
from directory.time_plan import out_of_service_at, time_plan, wait_at

_DETAIL = EnterpriseSchema()
_CHANNEL = ChannelSchema()
_LIVE, _WAIT = _CHANNEL.fields["live"], _CHANNEL.fields["expected_wait"]
_NOTICES = _DETAIL.fields["notices"]
_OUT_OF_SERVICE = "may_be_out_of_service"
log = logging.getLogger(__name__)


def ready_answer(session: Session, enterprise_id: str, language: str) -> dict[str, Any]:
    """The listing's default answer now: from its kept record when that was made from the
    listing as it is, else made (and kept for the next read). NotFound when not listed."""
    now = datetime.now(UTC)
    blob = ready(session, enterprise_id, language)
    if blob is not None:
        return serve(blob, now, language)
    answer, generation, body, card = make(session, enterprise_id, language, now)
    keep_made(session, [(enterprise_id, generation, (body, card))], language)
    return answer


def keep_made(session: Session, made: list[tuple[str, int | None, Any]], language: str,
              store: Callable[[Session, list, str], None] = keep) -> None:
    """Keep what was made (id, generation, what to keep: :func:`make`'s record and search card,
    or with *store* another kind, e.g. ``keep_cards``) and commit: a saving, not part of the
    answer, so a busy database just skips it (logged)."""
    if not made:
        return
    try:
        store(session, made, language)
        session.commit()
    except SQLAlchemyError as error:
        session.rollback()
        log.warning("read model: %d listing(s) (%s) not kept: %s", len(made), language, error)


def make(session: Session, enterprise_id: str, language: str, at: datetime
         ) -> tuple[dict[str, Any], int | None, bytes, bytes]:
    """The listing's answer at *at* as the full path makes it, the generation it was made from,
    the record to keep and the search card made of it (``api.found_cards``). NotFound when it
    is not listed."""
    generation = generation_of(session, enterprise_id)  # before what the answer is made of
    detail = listing_detail(session, enterprise_id, at=at, language=language)
    answer = _DETAIL.dump(listing_dump(detail, language=language, platform="any", topic=None,
                                       region=None, at=at))
    plan = time_plan(session, detail.channels, language, at)
    for channel in answer["channels"]:
        phone = channel["phone"]
        plan[channel["id"]]["hints"] = [hint for hint in phone["hints"]
                                        if hint["code"] != _OUT_OF_SERVICE] if phone else None
    shown = visible_notices(detail.enterprise)
    record = {"answer": answer, "plan": plan,
              "notices": _NOTICES.serialize("notices", {"notices": [n for n, _ in shown]}),
              "windows": [window for _, window in shown]}
    card = found_card(record, generation)  # before the answer is handed out (its caller may change it)
    return answer, generation, zlib.compress(orjson.dumps(record), 1), card


def bring_channel(channel: dict[str, Any], facts: dict[str, Any], status: HoursStatus,
                  at: datetime) -> None:
    """Set a kept *channel*'s status (*status*: its hours at *at*), live status and expected
    wait at *at*, in their dumped form, from its plan *facts*."""
    # as StatusSchema dumps it (DateTime: isoformat), without a schema per channel
    channel["status"] = {"open_now": status.open_now, "next_open": _iso(status.next_open),
                         "next_close": _iso(status.next_close)}
    wait = wait_dump(wait_at(facts, at))  # calls not_after for a live status it shows
    channel["live"] = None if wait["live"] is None else _LIVE.serialize("live", wait)
    expected = wait["expected_wait"]
    # nothing known (most channels): None, 0 and False, which the schema dumps as they are
    channel["expected_wait"] = expected if expected["basis"] == "unknown" else _WAIT.serialize(
        "expected_wait", wait)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def serve(blob: bytes, at: datetime, language: str) -> dict[str, Any]:
    """The answer kept in *blob* brought to the instant *at*."""
    record = orjson.loads(zlib.decompress(blob))
    answer, plan = record["answer"], record["plan"]
    opens = {}
    for channel in answer["channels"]:
        facts = plan[channel["id"]]
        status = status_at(facts["hours"], at)
        opens[channel["id"]] = status.open_now
        bring_channel(channel, facts, status, at)
        if facts["hints"] is not None:
            until = out_of_service_at(facts, at)
            channel["phone"]["hints"] = facts["hints"] + ([] if until is None else [
                {"code": _OUT_OF_SERVICE, "text": OUT_OF_SERVICE[language]}])
            not_after(until)
    answer["channels"].sort(key=lambda channel: order_key(plan[channel["id"]]["key"],
                                                          opens[channel["id"]]))
    moment = at.timestamp()
    notices = []
    for notice, (start, end) in zip(record["notices"], record["windows"], strict=True):
        not_after(datetime.fromtimestamp(start, at.tzinfo))
        if end is not None:
            not_after(datetime.fromtimestamp(end, at.tzinfo))
        if start <= moment and (end is None or moment < end):
            notices.append(notice)
    answer["notices"] = notices
    answer["url"] = share_url(answer["id"])
    return answer
