"""Record builders the tests share: listings as the importer reads them, the data folder holding
them, a database holding one listing, the consumers' three listings, the rows the OpenAPI
examples name, and instants at the ends of what RFC 3339 can say.

A test module takes what it needs from here (or from tests/helpers/), never from another test
module.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from directory.accounts import Membership, User, create_user
from directory.claims import Claim, Report
from directory.contacts import CallbackRequest, Handoff, normalize_code
from directory.contacts import digest as handoff_digest
from directory.db import make_engine
from directory.experiences import record_experience
from directory.importer import import_directory
from directory.members import Invitation
from directory.models import Channel, Notice, utcnow
from directory.reviews import FactReview
from directory.sessions import make_session_factory
from directory.webhooks import Webhook

# --- listings as the importer reads them ------------------------------------------------------

INDUSTRIES = [
    {"id": "finance", "names": {"zh-Hans": "金融", "zh-Hant": "金融", "en": "Finance"},
     "parent": None, "gbt4754": "J", "order": 1},
    {"id": "banking", "names": {"zh-Hans": "银行", "zh-Hant": "銀行", "en": "Banking"},
     "parent": "finance", "gbt4754": "J", "order": 2},
]


def enterprise(ident: str = "ent_000000000001", **changes) -> dict:
    """An importer record of ICBC under *ident*, with *changes* applied."""
    record = {
        "id": ident,
        "names": {"zh-Hans": "中国工商银行", "zh-Hant": "中國工商銀行",
                  "en": "Industrial and Commercial Bank of China"},
        "aliases": ["工行", "ICBC"],
        "industry": "banking",
        "description": None,
        "website": "https://www.icbc.com.cn/",
        "domains": ["icbc.com.cn"],
        "regions": ["CN"],
        "verified": False,
        "status": "active",
        "source": ["test:icbc"],
        "channels": [
            {"kind": "phone", "value": "95588", "label": None, "purpose": None, "regions": [],
             "languages": [], "hours": None, "direction": "contact", "source": "test:icbc",
             "verified_at": None},
            {"kind": "email", "value": "webmaster@icbc.com.cn", "source": "test:icbc"},
        ],
    }
    record.update(changes)
    return record


def write_data(folder: Path, records: list[dict], industries: list[dict] | None = None) -> Path:
    """A data folder (industries.json, enterprises.jsonl) holding *records*."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "industries.json").write_text(json.dumps(industries or INDUSTRIES), "utf-8")
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    (folder / "enterprises.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


LISTING = "ent_000000000001"


def one_listing(database_url: str, folder: Path) -> tuple[Engine, sessionmaker]:
    """An engine and sessions on *database_url*, which now holds the listing LISTING."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        import_directory(session, write_data(folder / "data", [enterprise(LISTING)]))
        session.commit()
    return engine, sessions


# --- the consumers' listings: A and B with an owner each, C with several callback lines --------

A, B, C = "ent_0000000000a1", "ent_0000000000b2", "ent_0000000000c3"
HOURS = {"timezone": "Asia/Shanghai", "always_open": True}
CONSUMER_RECORDS = [
    enterprise(A, channels=[
        {"kind": "phone", "value": "95588", "source": "test:a", "hours": HOURS,
         "accepts_callbacks": True},
        {"kind": "email", "value": "service@icbc.com.cn", "source": "test:a"},
        {"kind": "webchat", "value": "https://kefu.icbc.com.cn/chat", "topic_param": "q",
         "source": "test:a"},
        {"kind": "wechat", "value": "https://work.weixin.qq.com/kfid/kfc0123456789", "source": "test:a"},
        {"kind": "phone", "value": "95599", "source": "test:a"},
    ]),
    enterprise(B, names={"zh-Hans": "招商银行", "en": "China Merchants Bank"}, aliases=["招行"],
               website="https://www.cmbchina.com/", domains=["cmbchina.com"],
               channels=[{"kind": "phone", "value": "95555", "source": "test:b",
                          "accepts_callbacks": True}]),
    # a third listing with several lines that call back (the limits per consumer)
    enterprise(C, names={"zh-Hans": "中国国际航空", "en": "Air China"}, aliases=["国航"],
               industry="banking", website="https://www.airchina.com.cn/", domains=["airchina.com.cn"],
               channels=[{"kind": "phone", "value": value, "source": "test:c", "accepts_callbacks": True}
                         for value in ("95583", "4008100999", "4006100666")]),
]


# --- instants ---------------------------------------------------------------------------------

# Instants at the ends of what RFC 3339 can say: year 1 and 9999, offsets of ±23:59 that move
# them past the ends of Python's datetime once in UTC, and plain far ones.
EXTREME_INSTANTS = ["9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-23:59",
                    "0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+23:59",
                    "0001-01-01T00:00:00-23:59", "9999-12-31T00:00:00+23:59",
                    "2100-01-01T00:00:00+08:00", "1900-01-01T00:00:00+08:00"]


# --- the rows the OpenAPI document's examples name (the bundled directory's ICBC) --------------

SPEC_ICBC = "ent_9f7532f6acdd"
SPEC_ICBC_PHONE = "ch_5dd08e23240d7f37"  # 95588, the channel the spec's examples name
EVERY_SCOPE = "directory:read me listings:write admin"


def seed_the_spec_examples(session, user_id: str) -> None:  # noqa: ANN001 - a Session
    """Rows with the ids the spec's examples use, so that examples and the fuzzer's requests
    built from them reach each operation's logic instead of a 404."""
    now = utcnow()
    session.get(Channel, SPEC_ICBC_PHONE).accepts_callbacks = True
    claimant = create_user(session, "claimant@example.com", "a long enough password")
    # an editor of ICBC with the spec's example user id: what the member operations act on
    # (tests/api/schemathesis.toml pins them to it, so that the fuzz user stays ICBC's owner)
    session.add(User(id="usr_0f3c9a7e1b2d4c5a", email="editor@icbc.com.cn", password_hash="!",
                     created_at=now))
    session.flush()
    session.add(Membership(user_id="usr_0f3c9a7e1b2d4c5a", enterprise_id=SPEC_ICBC, role="editor",
                           created_at=now))
    session.add(Invitation(id="inv_3c4d5e6f7a8b9c0d", enterprise_id=SPEC_ICBC, email="li.lei@icbc.com.cn",
                           role="editor", token_hash=handoff_digest("an invitation code"),
                           status="pending", created_at=now, expires_at=now + timedelta(days=7)))
    session.flush()
    session.add_all([
        Notice(id="nt_0c1d2e3f4a5b6c7d", enterprise_id=SPEC_ICBC, title="系统维护", body="今晚网银暂停服务。",
               severity="info", valid_from=now, links=[], hidden=False, created_at=now),
        CallbackRequest(id="cbk_4e5f6a7b8c9d0e1f", enterprise_id=SPEC_ICBC, channel_id=SPEC_ICBC_PHONE,
                        user_id=user_id, phone="+8613800138000", topic="信用卡账单疑问",
                        window_start=now + timedelta(hours=1), window_end=now + timedelta(hours=3),
                        status="requested", created_at=now, updated_at=now),
        Webhook(id="whk_8c9d0e1f2a3b4c5d", enterprise_id=SPEC_ICBC, url="https://hooks.example.com/c800",
                events=["report.filed"], secret="whsec_fuzz", active=True, created_by=user_id,
                created_at=now),
        Claim(id="clm_5e6f7a8b9c0d1e2f", enterprise_id=SPEC_ICBC, user_id=claimant.id, method="admin",
              status="pending", created_at=now),
        Report(id="rep_7a8b9c0d1e2f3a4b", enterprise_id=SPEC_ICBC, topic="wrong_number",
               message="这个号码已停用。", status="open", created_at=now),
        Handoff(id="ctc_6a7b8c9d0e1f2a3b", token_hash=handoff_digest("hof_Zk3v9QyR1sXo2bWc8nTt4uPa"),
                code_hash=handoff_digest(normalize_code("K7Q4-XPM2")), enterprise_id=SPEC_ICBC,
                channel_id=SPEC_ICBC_PHONE, user_id=user_id, topic="挂失", details={}, platform="ios",
                created_at=now, expires_at=now + timedelta(hours=24)),
    ])
    session.flush()
    # a number the owner added, waiting in the administrators' queue
    session.add(Channel(id="ch_0f1e2d3c4b5a6978", enterprise_id=SPEC_ICBC, position=99, kind="phone",
                        value="4006695588", source=f"self-service:{user_id}", review="pending"))
    session.add(FactReview(id="frv_01a24d5e9866fb41f35a", enterprise_id=SPEC_ICBC,
                           channel_id="ch_0f1e2d3c4b5a6978", status="pending",
                           proposed={"kind": "phone", "value": "4006695588"}, requested_by=user_id,
                           created_at=now, updated_at=now))
    session.flush()
    record_experience(session, session.get(Channel, SPEC_ICBC_PHONE), user_id, waited_minutes=5,
                      reached_person=True, resolved=None, at=now - timedelta(hours=1),
                      experience_id="exp_2b3c4d5e6f7a8b9c")
