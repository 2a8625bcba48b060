"""What several resources' schemas share: names in three languages, pagination arguments and
pages, text rules (one line, visible text, patterns the spec shows), strict JSON scalars."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate

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


# White space as both Python and ECMAScript see it (their \\s differ on U+001C-U+001F, U+0085 and
# U+FEFF), and control characters: spelled out so that the spec's patterns mean the same to
# every JSON Schema validator as to the server.
SPACE = r"\t-\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
CONTROL = r"\x00-\x1f\x7f-\x9f"


class SpecPattern(validate.Validator):
    """A regular expression shown in the spec as the field's ``pattern`` and applied as JSON
    Schema applies it: searched anywhere, or (``whole``) matched by the whole value, for an
    anchored pattern (Python's ``$`` also matches before a final newline; ECMAScript's does not).
    """

    def __init__(self, pattern: str, error: str, *, whole: bool = False):
        self.regex = re.compile(pattern)
        self.error = error
        self._match = self.regex.fullmatch if whole else self.regex.search

    def __call__(self, value: str) -> str:
        if self._match(value) is None:
            raise ValidationError(self.error)
        return value


# One line that is not only spaces (what people type into a search box).
NOT_BLANK = SpecPattern(f"^[^{CONTROL}]*[^{SPACE}{CONTROL}][^{CONTROL}]*$",
                        "Must not be empty or only spaces, nor hold control characters.", whole=True)

# Text people type: at least one visible character, no control characters (a multi-line text
# may hold line breaks and tabs).
_TEXT_CONTROL = r"\x00-\x08\x0b-\x1f\x7f-\x9f"
LINE = SpecPattern(f"^[^{CONTROL}]*[^{SPACE}{CONTROL}][^{CONTROL}]*$",
                   "One line of visible text, without control characters.", whole=True)
TEXT = SpecPattern(f"^[^{_TEXT_CONTROL}]*[^{SPACE}{CONTROL}][^{_TEXT_CONTROL}]*$",
                   "Visible text, without control characters.", whole=True)


def line(maximum: int) -> list[validate.Validator]:
    return [validate.Length(1, maximum), LINE]


def text(maximum: int) -> list[validate.Validator]:
    return [validate.Length(1, maximum), TEXT]


class StrictBoolean(fields.Boolean):
    """JSON true or false only (marshmallow's Boolean also takes 1, "yes", "on", ...)."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class StrictInteger(fields.Integer):
    """A JSON integer only: not a string, a fraction or a boolean."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


def page_of(name: str, item: type[Schema], description: str) -> type[Schema]:
    """A page schema named *name*: ``items`` of *item* (*description*) and the ``next`` URL."""
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item), metadata={"description": description,
                                                            "example": []}),
        "next": fields.String(allow_none=True, metadata={"description": "URL of the next page; "
                                                         "null on the last one.", "example": None}),
    })
