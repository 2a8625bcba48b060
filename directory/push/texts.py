"""What a notification says, in a language of ``directory.models.LANGUAGES``: a title (the
listing's name) and a line, made from the event's data when shown (the inbox, in the reader's
language) or pushed (in the device's)."""

from __future__ import annotations

from typing import Any

from directory.listings import name_in

CALLBACK = {
    "zh-Hans": {"accepted": "已接受您的回电请求，将在您选的时段内致电。",
                "completed": "已完成您的回电请求。", "declined": "未能接受您的回电请求。"},
    "zh-Hant": {"accepted": "已接受您的回電請求，將在您選的時段內致電。",
                "completed": "已完成您的回電請求。", "declined": "未能接受您的回電請求。"},
    "en": {"accepted": "accepted your callback request and will call you in the window you chose.",
           "completed": "completed your callback request.",
           "declined": "declined your callback request."},
}
LIVE = {
    "zh-Hans": {"open": "{channel}现已开放", "closed": "{channel}现已关闭",
                "incident": "{channel}出现故障"},
    "zh-Hant": {"open": "{channel}現已開放", "closed": "{channel}現已關閉",
                "incident": "{channel}出現故障"},
    "en": {"open": "{channel} is open now", "closed": "{channel} is closed now",
           "incident": "{channel} has an incident"},
}
KIND_NAMES = {
    "zh-Hans": {"phone": "电话", "email": "邮件", "webchat": "在线客服", "video": "视频客服",
                "wechat": "微信", "app": "App", "sms": "短信", "callback": "回电"},
    "zh-Hant": {"phone": "電話", "email": "郵件", "webchat": "線上客服", "video": "視訊客服",
                "wechat": "微信", "app": "App", "sms": "簡訊", "callback": "回電"},
    "en": {"phone": "Phone line", "email": "E-mail", "webchat": "Web chat", "video": "Video chat",
           "wechat": "WeChat", "app": "App", "sms": "SMS", "callback": "Callbacks"},
}


def texts(kind: str, data: dict[str, Any], language: str) -> tuple[str, str]:
    """The title and the line of a notification of *kind* with *data*, in *language*."""
    title = name_in(data.get("names") or {}, language)
    if kind == "notice.published":
        return title, data["title"]
    if kind == "callback.answered":
        line = CALLBACK[language].get(data["status"], data["status"])
        return title, line
    channel = data.get("label") or KIND_NAMES[language].get(data.get("kind"), data.get("kind"))
    return title, LIVE[language][data["state"]].format(channel=channel)
