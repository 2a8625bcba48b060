"""A listing's share page (``GET /e/{id}``) as the template ``share.html`` shows it: the name,
the contact channels as buttons (tel:, mailto:, https: links only), whether each is open now,
which facts c800 has not checked yet (as the API's ``review`` says), the Open Graph text, and
the schema.org JSON-LD of ``api/jsonld.py``. Outbound-only senders are never shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.http import pick_name, public_url
from api.jsonld import organization
from directory.hours import status_at
from directory.hours_text import open_state_text
from directory.links import deep_links_for
from directory.listing_detail import ListingDetail
from directory.phones import PHONE_KINDS, classify_phone
from directory.reviews import website_is_checked

BUTTON_SCHEMES = ("tel:", "mailto:", "https:")
PAGE_LANGUAGES = (("zh-Hans", "简体中文"), ("zh-Hant", "繁體中文"), ("en", "English"))
KIND_NAMES = {
    "zh-Hans": {"phone": "电话", "email": "电子邮件", "webchat": "在线客服", "video": "视频客服",
                "wechat": "微信", "app": "应用", "sms": "短信", "social": "社交媒体",
                "web_form": "网上留言", "callback": "预约回电", "whatsapp": "WhatsApp",
                "facetime": "FaceTime"},
    "zh-Hant": {"phone": "電話", "email": "電子郵件", "webchat": "線上客服", "video": "視訊客服",
                "wechat": "微信", "app": "應用程式", "sms": "短訊", "social": "社群媒體",
                "web_form": "網上留言", "callback": "預約回電", "whatsapp": "WhatsApp",
                "facetime": "FaceTime"},
    "en": {"phone": "Phone", "email": "E-mail", "webchat": "Web chat", "video": "Video call",
           "wechat": "WeChat", "app": "App", "sms": "SMS", "social": "Social media",
           "web_form": "Web form", "callback": "Call-back", "whatsapp": "WhatsApp",
           "facetime": "FaceTime"},
}
TEXT = {
    "zh-Hans": {"languages": "语言", "ways": "联系方式", "website": "官方网站",
                "unchecked": "企业自行提供，c800 尚未核实",
                "none": "暂无可用的联系方式。", "description": "{name}的联系方式：{ways}",
                "description_none": "{name}在 c800 上的信息", "missing_title": "找不到该企业",
                "missing": "c800 上没有这个企业，或它已不再公开。", "footer": "信息来自 c800 企业客服名录"},
    "zh-Hant": {"languages": "語言", "ways": "聯繫方式", "website": "官方網站",
                "unchecked": "企業自行提供，c800 尚未核實",
                "none": "暫無可用的聯繫方式。", "description": "{name}的聯繫方式：{ways}",
                "description_none": "{name}在 c800 上的資訊", "missing_title": "找不到該企業",
                "missing": "c800 上沒有這個企業，或它已不再公開。", "footer": "資訊來自 c800 企業客服名錄"},
    "en": {"languages": "Languages", "ways": "Ways to reach them", "website": "Website",
           "unchecked": "Given by the enterprise; not yet checked by c800",
           "none": "No way to reach them is listed yet.", "description": "How to reach {name}: {ways}",
           "description_none": "{name} on c800", "missing_title": "Not found",
           "missing": "c800 lists no enterprise with this address, or it is no longer public.",
           "footer": "From the c800 customer-contact directory"},
}


@dataclass(frozen=True)
class Way:
    """One contact channel on the page."""

    kind: str
    label: str
    display: str
    href: str | None  # a tel:, mailto: or https: link; None when there is none (a WeChat id)
    state: str | None  # "Open now · closes 18:00"; None when its hours are unknown
    open_now: bool | None
    unchecked: bool  # c800 has not reviewed its kind and value yet


def _href(channel: Any) -> str | None:
    return next((link.uri for link in deep_links_for(channel)
                 if link.uri.startswith(BUTTON_SCHEMES)), None)


def _way(channel: Any, at: datetime, language: str) -> Way:
    status = status_at(channel.hours, at)
    display = classify_phone(channel.value).display if channel.kind in PHONE_KINDS else channel.value
    return Way(kind=channel.kind, label=channel.label or KIND_NAMES[language][channel.kind],
               display=display, href=_href(channel), state=open_state_text(status, at, language),
               open_now=status.open_now, unchecked=channel.review != "checked")


def share_page(detail: ListingDetail, *, language: str, at: datetime, url: str,
               base_url: str) -> dict[str, Any]:
    """The template's context for *detail* in *language* at the instant *at*; *url* is the
    page's own canonical address, *base_url* PUBLIC_BASE_URL (for the JSON-LD ids)."""
    enterprise = detail.enterprise
    website = enterprise.website
    name = pick_name(enterprise.names(), language)
    ways = [_way(c, at, language) for c in detail.channels if c.direction == "contact"]
    text = TEXT[language]
    listed = "、" if language != "en" else ", "
    shown = listed.join(w.display for w in ways[:3])
    description = (text["description"].format(name=name, ways=shown) if ways
                   else text["description_none"].format(name=name))
    return {
        "name": name, "ways": ways, "text": text, "description": description, "url": url,
        "website": website if website and website.startswith("https://") else None,
        "website_unchecked": not website_is_checked(enterprise),
        "enterprise_id": enterprise.id,
        "jsonld": organization(enterprise, detail.channels, language, base_url),
    }


def share_url(enterprise_id: str) -> str:
    """The share link of a listing (its page ``/e/{id}``), at PUBLIC_BASE_URL: ``share_url("")``
    followed by the id (a page of items makes that start once)."""
    return public_url(f"/e/{enterprise_id}")
