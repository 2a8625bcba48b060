"""SQLAlchemy models of the directory: industries, enterprises, their regions and channels."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.db import Base, UTCDateTime, table_facts, withheld

JsonType = JSON().with_variant(JSONB(), "postgresql")

CHANNEL_KINDS = (
    "phone",
    "email",
    "webchat",
    "video",
    "wechat",
    "app",
    "sms",
    "social",
    "web_form",
    "callback",
    "whatsapp",
    "facetime",
)
DIRECTIONS = ("contact", "outbound_only")
# The platforms a social channel can be on.
SOCIAL_PLATFORMS = ("weibo", "douyin", "bilibili", "x", "facebook", "instagram", "youtube",
                    "linkedin", "tiktok", "threads", "vk", "pinterest", "other")
# Whether c800 vouches for a fact lookup trusts (a channel's kind and value, a listing's website
# and domains): ``checked`` (by its data source or an administrator), ``pending`` (changed by
# the enterprise, waiting for an administrator), ``rejected`` (an administrator refused it).
REVIEW_STATUSES = ("checked", "pending", "rejected")
# Who checked it: the data source it was imported from, or a c800 administrator.
CHECKERS = ("source", "admin")
STATUSES = ("active", "hidden", "suspended")
LANGUAGES = ("zh-Hans", "zh-Hant", "en")


def utcnow() -> datetime:
    return datetime.now(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Industry(Base):
    """A consumer-facing industry; leaves hold enterprises, parents group leaves."""

    __tablename__ = "industries"
    __table_args__ = table_facts(public=True)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh_hans: Mapped[str] = mapped_column(String(100))
    name_zh_hant: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("industries.id", ondelete="RESTRICT"), index=True
    )
    gbt4754_section: Mapped[str | None] = mapped_column(String(1))
    display_order: Mapped[int] = mapped_column(Integer, default=0)

    def names(self) -> dict[str, str]:
        return {"zh-Hans": self.name_zh_hans, "zh-Hant": self.name_zh_hant, "en": self.name_en}


NAME_KEY_TYPE = String(200).with_variant(String(200, collation="C"), "postgresql")


class Enterprise(Base):
    """A listed organisation with its names, industry and contact channels."""

    __tablename__ = "enterprises"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="ck_enterprises_status"),
        CheckConstraint(
            "name_zh_hans IS NOT NULL OR name_zh_hant IS NOT NULL OR name_en IS NOT NULL",
            name="ck_enterprises_has_name",
        ),
        Index("ix_enterprises_prominence_id", "prominence", "id"),
        Index("ix_enterprises_name_key_id", "name_key", "id"),
        Index("ix_enterprises_name_key_en_id", "name_key_en", "id"),
        # the lists' orders and industry filter under the status they all filter on (0018)
        Index("ix_enterprises_status_prominence_id", "status", "prominence", "id"),
        # a region's national listings in each order (directory/serving.py)
        Index("ix_enterprises_status_national_prominence_id", "status", "national", "prominence", "id"),
        Index("ix_enterprises_status_national_name_key_id", "status", "national", "name_key", "id"),
        Index("ix_enterprises_status_national_name_key_en_id", "status", "national", "name_key_en",
              "id"),
        Index("ix_enterprises_status_name_key_id", "status", "name_key", "id"),
        Index("ix_enterprises_status_name_key_en_id", "status", "name_key_en", "id"),
        Index("ix_enterprises_status_industry_prominence_id", "status", "industry_id", "prominence", "id"),
        Index("ix_enterprises_status_verified_prominence_id", "status", "verified", "prominence", "id"),
        Index("ix_enterprises_status_id", "status", "id"),  # counts of filtered lists, in id order
        table_facts(public=True),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh_hans: Mapped[str | None] = mapped_column(String(200))
    name_zh_hant: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JsonType, default=list)
    industry_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("industries.id", ondelete="RESTRICT"), index=True
    )
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(2048))
    domains: Mapped[list[str]] = mapped_column(JsonType, default=list)
    verified: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # True once the enterprise keeps the listing itself (a verified claim or a self-service
    # edit): imports of the bundled data then leave it alone.
    managed: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # The brand's Wikidata item (``Q…``), its logo ({"url", "source", "retrieved"}: never shown
    # without where it comes from) and the ISO date it was dissolved, as its sources say.
    wikidata: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    logo: Mapped[dict[str, str] | None] = mapped_column(JsonType, nullable=True)
    dissolved: Mapped[str | None] = mapped_column(String(10), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The website and domains c800 has checked (lookup vouches only for these, while the
    # listing still shows them); ``website``/``domains`` may hold the enterprise's unchecked
    # changes, which make ``web_review`` pending.
    checked_website: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    checked_domains: Mapped[list[str]] = mapped_column(JsonType, default=list, server_default="[]")
    web_review: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    web_checked_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    web_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The stored orders of the lists (directory/listing_order.py keeps them on every flush):
    # prominence (directory/prominence.py) and the name sort keys for Chinese and English readers.
    prominence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # compared byte by byte (COLLATE "C" on PostgreSQL, as SQLite does): the documented order
    name_key: Mapped[str] = mapped_column(NAME_KEY_TYPE, default="", server_default="")
    name_key_en: Mapped[str] = mapped_column(NAME_KEY_TYPE, default="", server_default="")
    # Kept by the database's triggers (directory/listing_reads.py), never written by the code:
    # one more on every change of what the listing's public answer is made of.
    read_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0", info=withheld(
        "a counter of the read model's (kept by triggers); an import starts it again",
        restore=lambda: 0))
    # Kept by the database's triggers (directory/serving.py), never written by the code: true
    # while the listing has no regions (it serves everywhere).
    national: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), info=withheld(
        "whether the listing has no regions (kept by triggers); an import works it out again",
        restore=lambda: True))

    industry: Mapped[Industry] = relationship()
    region_rows: Mapped[list[EnterpriseRegion]] = relationship(
        cascade="all, delete-orphan", order_by="EnterpriseRegion.code"
    )
    channels: Mapped[list[Channel]] = relationship(
        cascade="all, delete-orphan", order_by="Channel.position", lazy="selectin"
    )
    notices: Mapped[list[Notice]] = relationship(
        cascade="all, delete-orphan", order_by="Notice.created_at", lazy="selectin"
    )

    @property
    def regions(self) -> list[str]:
        return [row.code for row in self.region_rows]

    def names(self) -> dict[str, str | None]:
        return {"zh-Hans": self.name_zh_hans, "zh-Hant": self.name_zh_hant, "en": self.name_en}


class EnterpriseRegion(Base):
    """A region an enterprise serves: an ISO 3166-1 country or a GB/T 2260 division code."""

    __tablename__ = "enterprise_regions"
    __table_args__ = (
        # the listings with a code, from the index alone (directory/serving.py)
        Index("ix_enterprise_regions_code_enterprise_id", "code", "enterprise_id"),
        table_facts(public=True),
    )

    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(8), primary_key=True)


class Channel(Base):
    """One way to reach (or to be reached by) an enterprise. Deep links are derived, never stored."""

    __tablename__ = "channels"
    __table_args__ = (
        CheckConstraint(_in("kind", CHANNEL_KINDS), name="ck_channels_kind"),
        CheckConstraint(_in("direction", DIRECTIONS), name="ck_channels_direction"),
        # the ways in of a kind (the lists' channel filter, directory/listings.py; 0018)
        Index("ix_channels_kind_way_in", "kind", "direction", "hidden", "enterprise_id"),
        table_facts(public=True),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(2048))
    label: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(String(200))
    regions: Mapped[list[str]] = mapped_column(JsonType, default=list)
    languages: Mapped[list[str]] = mapped_column(JsonType, default=list)
    hours: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    direction: Mapped[str] = mapped_column(String(16), default="contact")
    source: Mapped[str | None] = mapped_column(String(500))
    # The ISO date the channel's source was read (a data set's commit or release date).
    retrieved: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # A social channel's platform (SOCIAL_PLATFORMS): weibo, x, facebook, youtube...
    platform: Mapped[str | None] = mapped_column(String(32), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # Phone menu: [{"intent": "信用卡挂失", "keys": "2,1"}, ...]; keys are menu steps (0-9 * #)
    # separated by commas, pressed one after the other.
    menu: Mapped[list[dict[str, str]]] = mapped_column(JsonType, default=list)
    # The key steps that reach a person, as in ``menu`` ("0", "9,0"); None when unknown.
    to_person: Mapped[str | None] = mapped_column(String(64))
    # Who gave ``to_person``: ``community`` (consumers' tips confirmed by enough accounts,
    # directory/tips.py) or None (the channel's source or its enterprise, which tips never
    # replace).
    to_person_source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Whether this channel reaches a human (True), only a machine (False) or unknown (None).
    reaches_person: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # The query parameter a webchat / web form / video URL takes for the consumer's topic.
    topic_param: Mapped[str | None] = mapped_column(String(64))
    # The enterprise takes callback requests through c800 on this channel (phone, callback).
    accepts_callbacks: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The review of the channel's kind and value (REVIEW_STATUSES): lookup vouches only for
    # ``checked_kind``/``checked_value``, the last checked ones, never for an unchecked change.
    review: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    checked_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    checked_value: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    checked_by: Mapped[str | None] = mapped_column(String(16), nullable=True)  # CHECKERS
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the enterprise last saved the channel's value (re-confirming it): reports that the
    # number is out of service made before do not count (directory/dead_numbers.py).
    value_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


SEVERITIES = ("info", "warning", "critical")


class Notice(Base):
    """A notice an enterprise publishes on its listing ("flight cancelled: rebook here")."""

    __tablename__ = "notices"
    __table_args__ = (CheckConstraint(_in("severity", SEVERITIES), name="ck_notices_severity"),
                      table_facts(public=True))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16), default="info")
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Self-service links: [{"label": "改签", "url": "https://..."}]
    links: Mapped[list[dict[str, str]]] = mapped_column(JsonType, default=list)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def is_current(self, at: datetime) -> bool:
        return (not self.hidden and self.valid_from <= at
                and (self.valid_until is None or at < self.valid_until))
