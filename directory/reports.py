"""Reports of wrong information: anyone (signed in or not) says that a listing or one of its
channels is wrong, or that a number is a scam; the listing's keepers hear of it by webhook
(what is reported, never who reported it nor their words); administrators handle the queue.
The :class:`~directory.claims.Report` rows are ``directory.claims``'.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy.orm import Session

from directory.accounts import User, require_admin
from directory.claims import REPORT_STATUSES, ClaimError, Report
from directory.dead_numbers import DEAD_TOPICS, note_out_of_service
from directory.errors import NotFound
from directory.listings import public_enterprise
from directory.models import Enterprise, utcnow
from directory.pages import Listing, queue
from directory.webhooks import emit

ListingAt = Callable[[str], str]  # an enterprise id -> where its keepers read their listing


def report_event(report: Report, url: str) -> dict:
    """The ``report.filed`` webhook's data: which listing and channel, the topic, where to read
    the listing (*url*); never the reporter's message (see the WebhookPayload schema)."""
    return {"id": report.id, "channel_id": report.channel_id, "topic": report.topic,
            "status": report.status, "created_at": report.created_at.isoformat(), "url": url}


def file_report(session: Session, enterprise: Enterprise, topic: str, message: str,
                channel_id: str | None, reporter: User | None) -> Report:
    """Keep a report on *enterprise* (the caller commits)."""
    if channel_id is not None and channel_id not in {c.id for c in enterprise.channels}:
        raise ClaimError("The listing has no channel with this id.", field="channel_id")
    report = Report(id=f"rep_{secrets.token_hex(8)}", enterprise_id=enterprise.id,
                    channel_id=channel_id, topic=topic, message=message,
                    reporter_id=reporter.id if reporter else None, status="open", created_at=utcnow())
    session.add(report)
    session.flush()
    if topic in DEAD_TOPICS and channel_id is not None and reporter is not None:
        note_out_of_service(session, channel_id, reporter.id, report.created_at)
    return report


# --- the use cases ---------------------------------------------------------------------------

def report_listing(session: Session, reporter: User | None, enterprise_id: str, *, topic: str,
                   message: str, channel_id: str | None, listing_at: ListingAt) -> Report:
    """Someone (*reporter*, or nobody signed in) reports that the listed enterprise
    *enterprise_id* (or its channel *channel_id*) is wrong; its keepers hear of it by webhook,
    with where to read their listing (``listing_at``)."""
    enterprise = public_enterprise(session, enterprise_id)
    report = file_report(session, enterprise, topic, message, channel_id, reporter)
    emit(session, enterprise.id, "report.filed", report_event(report, listing_at(enterprise.id)))
    session.commit()
    return report


def reports_queue(user: User, status: str | None) -> Listing:
    """The reports administrators handle (only those in *status* when given), oldest first."""
    require_admin(user)
    return queue(Report, REPORT_STATUSES, status)


def handle_report(session: Session, user: User, report_id: str, *, status: str,
                  resolution: str | None) -> Report:
    """An administrator marks a report resolved or dismissed (or open again), saying what was
    done."""
    admin = require_admin(user)
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"No report has the id {report_id!r}.")
    report.status = status
    report.resolved_at = utcnow() if status != "open" else None
    report.resolved_by = f"admin:{admin.id}" if status != "open" else None
    report.resolution = resolution
    session.commit()
    return report
