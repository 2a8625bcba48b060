"""Senders: addresses and numbers a company only sends from.

Statement, marketing, notice and no-reply senders (``ccsvc@message.cmbchina.com``,
``taobao@mc.mail.taobao.com``, 106… SMS gateways, a line labelled 营销专线) are channels with
``direction = "outbound_only"``: they answer "is this sender official?" but are never offered
as a way to reach the company. The build of the bundled data (tools/build_directory_data.py)
and the tests over it share these rules; :func:`sender_reason` says whether and why.

Only the standard library: the build imports this module.
"""

from __future__ import annotations

import re

# China's 106… numbers are SMS gateways (bank alerts, verification codes): nobody can call them.
SMS_SENDER_PREFIX = "106"
# Labels of lines that only call or text out: 信用卡外呼, 营销专线, 客户回访, 派件提醒, 官方提醒短信.
OUTBOUND_LABEL_MARKERS = ("外呼", "营销", "回访", "提醒", "短信")
SMS_LABEL_MARKERS = ("短信",)

NOREPLY_LOCAL_PART = re.compile(r"no[-_.]?reply|do[-_.]?not[-_.]?reply|no[-_.]?response")
# Words anywhere in the local part (enotice@, hsbc.estatement.and.eadvice@, trip-notice@).
SENDER_LOCAL_PART_WORDS = ("notice", "notification", "notify", "newsletter", "statement",
                           "alert", "itinerary")
# Whole tokens of the local part split at . _ - + (bank.update@, system@, marketing@).
SENDER_LOCAL_PART_TOKENS = frozenset({"system", "monitor", "verify", "update", "updates",
                                      "marketing", "promo", "promotion", "bounce", "mailer"})
# Words in a label of the host below its registrable domain (notice.aliyun.com, emailnotify.).
SENDER_HOST_WORDS = ("notice", "notif", "newsletter", "statement")
# Whole host labels of mass-mail sending subdomains: message.cmbchina.com, mc.mail.taobao.com,
# mail.za.group, email.apple.com, edm., em., stmt., insideapple. (Apple's marketing mail).
SENDER_HOST_LABELS = frozenset({"mail", "email", "e-mail", "mails", "message", "messages", "msg",
                                "mc", "edm", "em", "stmt", "estatement", "news", "marketing",
                                "promo", "insideapple", "bulk", "mailer"})

REASONS = ("sms_gateway", "outbound_label", "no_reply", "sender_address", "sender_host")


def label_marks_sms(label: str | None) -> bool:
    """The label says the line only texts (官方提醒短信, 信用卡短信)."""
    return bool(label) and any(marker in label for marker in SMS_LABEL_MARKERS)


def _phone_reason(value: str, label: str | None) -> str | None:
    if value.startswith(SMS_SENDER_PREFIX):
        return "sms_gateway"
    if label and any(marker in label for marker in OUTBOUND_LABEL_MARKERS):
        return "outbound_label"
    return None


def _email_reason(address: str) -> str | None:
    local, _, host = address.lower().partition("@")
    if NOREPLY_LOCAL_PART.search(local):
        return "no_reply"
    if any(word in local for word in SENDER_LOCAL_PART_WORDS):
        return "sender_address"
    if SENDER_LOCAL_PART_TOKENS & set(re.split(r"[._\-+]", local)):
        return "sender_address"
    # Labels left of the registrable domain; two-letter country TLDs with com/net/org... keep
    # three labels (creditcard.abchina.com.cn's subdomain is "creditcard").
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3 else 2
    sub_labels = labels[:-keep]
    if any(word in label for label in sub_labels for word in SENDER_HOST_WORDS):
        return "sender_host"
    if SENDER_HOST_LABELS & set(sub_labels):
        return "sender_host"
    return None


def sender_reason(kind: str, value: str, label: str | None = None) -> str | None:
    """Why the channel (*kind*, *value*, *label*) is a sender only (one of :data:`REASONS`),
    or None when it may be a way in."""
    if kind in ("phone", "sms"):
        return _phone_reason(value, label)
    if kind == "email":
        return _email_reason(value)
    return None


def direction_for(kind: str, value: str, label: str | None = None) -> str:
    """``outbound_only`` for a sender, else ``contact``."""
    return "outbound_only" if sender_reason(kind, value, label) else "contact"
