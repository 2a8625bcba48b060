"""schema.org JSON-LD of a listing: an Organization and one ContactPoint per way in.

- ``contactType``: the channel's label (human words), else its purpose code, else "customer service";
- ``telephone`` (international form where there is one, else as dialled), ``email`` or
  ``url`` by kind; WeChat ids and other values without a link are left out;
- ``areaServed``: the channel's regions (GB/T 2260 codes are given as
  ``AdministrativeArea`` with their name), "CN" when national;
- ``availableLanguage``: the channel's BCP 47 languages;
- ``hoursAvailable``: ``OpeningHoursSpecification`` per weekly interval (``00:00``-``23:59``
  every day for 24/7); dated exceptions as specifications with ``validFrom``/``validThrough``;
- ``contactOption``: ``TollFree`` for toll-free numbers, ``HearingImpairedSupported`` for
  text channels (SMS, webchat, WhatsApp) a person can use without hearing.
Outbound-only senders are not ways in, so they are not ContactPoints. Only what c800 has
checked is stated (machines that read this cannot see a review status): a channel whose
number or address the enterprise entered and no administrator checked yet is left out, and
``url`` is the checked website.
"""

from __future__ import annotations

from typing import Any

from directory.links import deep_links_for
from directory.models import Channel, Enterprise
from directory.phones import PHONE_KINDS, classify_phone
from directory.regions import get_region
from directory.reviews import website_is_checked

LD_JSON = "application/ld+json"
SCHEMA_DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
               "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}
TEXT_KINDS = frozenset({"sms", "webchat", "whatsapp"})
URL_KINDS = frozenset({"webchat", "video", "web_form", "callback", "social", "app", "wechat"})

JSONLD_EXAMPLE = {
    "@context": "https://schema.org", "@type": "Organization",
    "@id": "http://127.0.0.1:8000/v1/enterprises/ent_9f7532f6acdd",
    "identifier": "ent_9f7532f6acdd", "name": "中国工商银行",
    "alternateName": ["中國工商銀行", "Industrial and Commercial Bank of China", "工行", "ICBC"],
    "url": "https://www.icbc.com.cn/",
    "contactPoint": [{"@type": "ContactPoint", "contactType": "customer service",
                      "telephone": "95588", "areaServed": "CN",
                      "hoursAvailable": [{"@type": "OpeningHoursSpecification",
                                          "dayOfWeek": list(SCHEMA_DAYS.values()),
                                          "opens": "00:00", "closes": "23:59"}]}],
}


def _area(code: str, language: str) -> Any:
    region = get_region(code) if code[:1].isdigit() else None
    if region is None:
        return code
    return {"@type": "AdministrativeArea", "identifier": region.code,
            "name": region.names.get(language) or region.names["zh-Hans"]}


def _hours(hours: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not hours:
        return []
    specs: list[dict[str, Any]] = []
    if hours.get("always_open"):
        specs.append({"@type": "OpeningHoursSpecification", "dayOfWeek": list(SCHEMA_DAYS.values()),
                      "opens": "00:00", "closes": "23:59"})
    for day, intervals in (hours.get("weekly") or {}).items():
        for interval in intervals:
            specs.append({"@type": "OpeningHoursSpecification", "dayOfWeek": SCHEMA_DAYS[day],
                          "opens": interval["open"],
                          "closes": "23:59" if interval["close"] == "24:00" else interval["close"]})
    for exception in hours.get("exceptions") or []:
        date = exception["date"]
        if exception.get("closed"):  # schema.org: a closed day is opens == closes == 00:00
            specs.append({"@type": "OpeningHoursSpecification", "validFrom": date,
                          "validThrough": date, "opens": "00:00", "closes": "00:00"})
        for interval in exception.get("intervals") or []:
            specs.append({"@type": "OpeningHoursSpecification", "validFrom": date,
                          "validThrough": date, "opens": interval["open"],
                          "closes": "23:59" if interval["close"] == "24:00" else interval["close"]})
    return specs


def contact_point(channel: Channel, language: str) -> dict[str, Any] | None:
    point: dict[str, Any] = {"@type": "ContactPoint",
                             "contactType": channel.label or channel.purpose or "customer service"}
    options = []
    if channel.kind in PHONE_KINDS or channel.kind == "whatsapp":  # always a number
        info = classify_phone(channel.value)
        point["telephone"] = info.international or channel.value
        if info.toll_free:
            options.append("TollFree")
    elif channel.kind == "email":
        point["email"] = channel.value
    elif channel.kind in URL_KINDS:
        links = [link for link in deep_links_for(channel) if link.uri.startswith(("https:", "http:"))]
        if not links:
            return None
        point["url"] = links[0].uri
    elif channel.kind == "facetime":
        return None
    if channel.kind in TEXT_KINDS:
        options.append("HearingImpairedSupported")
    if options:
        point["contactOption"] = options if len(options) > 1 else options[0]
    regions = list(channel.regions or [])
    point["areaServed"] = [_area(code, language) for code in regions] if regions else "CN"
    if channel.languages:
        point["availableLanguage"] = list(channel.languages)
    hours = _hours(channel.hours)
    if hours:
        point["hoursAvailable"] = hours
    return point


def organization(enterprise: Enterprise, channels: list[Channel], language: str,
                 host_url: str) -> dict[str, Any]:
    """The listing as schema.org JSON-LD, *channels* in the order given (best first)."""
    names = enterprise.names()
    name = names.get(language) or next((n for n in names.values() if n), "")
    others = [n for n in names.values() if n and n != name] + list(enterprise.aliases or [])
    body: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Organization",
        "@id": f"{host_url.rstrip('/')}/v1/enterprises/{enterprise.id}",
        "identifier": enterprise.id, "name": name,
    }
    if others:
        body["alternateName"] = list(dict.fromkeys(others))
    website = enterprise.website if website_is_checked(enterprise) else enterprise.checked_website
    if website:
        body["url"] = website
    if enterprise.description:
        body["description"] = enterprise.description
    points = [contact_point(c, language) for c in channels
              if c.direction == "contact" and not c.hidden and c.review == "checked"]
    body["contactPoint"] = [p for p in points if p is not None]
    return body
