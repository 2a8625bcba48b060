"""Schemas shared by several resources: names in three languages, pagination arguments."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

NAMES_EXAMPLE = {"zh-Hans": "中国工商银行", "zh-Hant": "中國工商銀行",
                 "en": "Industrial and Commercial Bank of China"}


class NamesSchema(Schema):
    zh_hans = fields.String(data_key="zh-Hans", allow_none=True, metadata={
        "description": "Name in simplified Chinese; null when unknown.", "example": "中国工商银行"})
    zh_hant = fields.String(data_key="zh-Hant", allow_none=True, metadata={
        "description": "Name in traditional Chinese; null when unknown.", "example": "中國工商銀行"})
    en = fields.String(allow_none=True, metadata={
        "description": "Name in English; null when unknown.",
        "example": "Industrial and Commercial Bank of China"})


class PageArgsSchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100), metadata={
        "description": "How many items a page holds, 1 to 100.", "example": 20})
    cursor = fields.String(load_default=None, validate=validate.Length(1, 200), metadata={
        "description": "Opaque position returned as `next` by the previous page; omit it for "
                       "the first page.", "example": "ZW50XzAwYjQ1ZjFlYTEyMw"})


def names_dump(names: dict[str, str | None]) -> dict[str, str | None]:
    return {"zh_hans": names.get("zh-Hans"), "zh_hant": names.get("zh-Hant"),
            "en": names.get("en")}
