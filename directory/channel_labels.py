"""What a channel is for, read from its label (信用卡客服热线, 彩铃服务, 沃留言, 信用卡境外拨打).

Sources label lines in free words; :func:`purpose_for_label` turns the frequent ones into a
purpose code (the first rule whose marker the label contains wins, so the narrower rules come
first). The build of the bundled data stores it as the channel's ``purpose``; a channel whose
purpose is empty is read from its label at run time (:func:`channel_purpose`).

Purposes decide two things (``directory.reach``): a number is offered for calling from abroad
only when its label says so (``abroad``), and secondary lines (voicemail, ring-back tones,
points shops, value-added services, switchboards, abroad lines) come after the lines a person
means to call; general customer-service lines come before unlabelled ones.

Only the standard library: the build imports this module.
"""

from __future__ import annotations

# (purpose, markers) — first match wins; markers are matched case-insensitively.
PURPOSE_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("marketing", ("营销", "外呼", "marketing")),
    ("follow_up", ("回访",)),
    ("notification", ("提醒", "短信", "通知", "notification")),
    ("voicemail", ("留言", "voicemail")),
    ("ring_back_tone", ("彩铃",)),
    ("points_shop", ("积分", "points")),
    ("value_added", ("沃助理", "来电管家", "防骚扰", "和多号", "副号", "增值")),
    ("abroad", ("境外", "海外", "国际", "出境", "香港以外", "abroad", "overseas", "international")),
    ("lost_card", ("挂失", "报失", "lost card")),
    ("anti_fraud", ("反诈", "fraud")),
    ("broadband", ("宽带", "broadband")),
    ("credit_card", ("信用卡", "公务卡", "商务卡", "credit card")),
    ("vip", ("贵宾", "白金", "黑金", "金葵花", "vip")),
    ("wealth_management", ("理财", "私人银行", "财富管理", "wealth", "private bank")),
    ("securities", ("证券",)),
    ("sales", ("售前", "销售", "sales")),
    ("switchboard", ("总机", "switchboard")),
    ("customer_service", ("客服", "客户服务", "服务热线", "热线", "售后", "hotline",
                          "customer service")),
)
PURPOSES = tuple(purpose for purpose, _ in PURPOSE_RULES)

# Lines nobody means when they want help: after every other way in.
SECONDARY_PURPOSES = frozenset({"voicemail", "ring_back_tone", "points_shop", "value_added",
                                "switchboard", "abroad", "marketing", "follow_up",
                                "notification"})


def purpose_for_label(label: str | None) -> str | None:
    """The purpose code a label says (``信用卡境外拨打`` -> ``abroad``, ``沃留言`` ->
    ``voicemail``), or None when the label says none (``香港``, ``上海中国移动``) or is empty."""
    text = (label or "").strip().lower()
    if not text:
        return None
    return next((purpose for purpose, markers in PURPOSE_RULES
                 if any(marker in text for marker in markers)), None)


def channel_purpose(purpose: str | None, label: str | None) -> str | None:
    """The channel's stored purpose, else the one its label says."""
    return purpose or purpose_for_label(label)


def purpose_tier(purpose: str | None) -> int:
    """0 a general customer-service line, 1 an unlabelled or specialised line (credit card,
    broadband, VIP...), 2 a secondary line (:data:`SECONDARY_PURPOSES`)."""
    if purpose in SECONDARY_PURPOSES:
        return 2
    return 0 if purpose == "customer_service" else 1
