"""What several presenters share."""

from __future__ import annotations


def names_dump(names: dict[str, str | None]) -> dict[str, str | None]:
    return {"zh_hans": names.get("zh-Hans"), "zh_hant": names.get("zh-Hant"),
            "en": names.get("en")}
