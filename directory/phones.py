"""Phone numbers: canonical dialable values and display forms.

Canonical values are digits, with a leading ``+`` and country code for numbers outside
mainland China's domestic dialling plan (``95588``, ``4008208820``, ``02160876100``,
``+18774484824``). phonenumbers covers ordinary numbers; China's short service numbers
(95xxx, 96xxx, 1xxxx) and 106… SMS senders are kept as dialled.
"""

from __future__ import annotations

import re

import phonenumbers

_SEPARATORS = re.compile(r"[\s\-().\u00a0\u3000/]")
CANONICAL = re.compile(r"^\+?[0-9]{3,20}$")


class PhoneNumberError(ValueError):
    """The text is not a phone number c800 can store."""


def normalize_phone(raw: str, default_region: str = "CN") -> str:
    """Return the canonical dialable form of *raw*, or raise :class:`PhoneNumberError`."""
    text = _SEPARATORS.sub("", raw.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text:
        raise PhoneNumberError("empty phone number")
    if text.startswith("+"):
        if not text[1:].isdigit():
            raise PhoneNumberError("a phone number may contain only digits after '+'")
        try:
            parsed = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException as exc:
            raise PhoneNumberError(f"not a phone number: {exc}") from exc
        if not phonenumbers.is_possible_number(parsed):
            raise PhoneNumberError("not a possible international phone number")
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not text.isdigit():
        raise PhoneNumberError("a phone number may contain only digits, spaces, '-', '(' and ')'")
    if default_region != "CN":
        parsed = phonenumbers.parse(text, default_region)
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not 3 <= len(text) <= 20:
        raise PhoneNumberError("a domestic phone number has 3 to 20 digits")
    return text


def display_phone(value: str) -> str:
    """A readable form of a canonical value (``400 820 8820``, ``+1 877-448-4824``, ``95588``)."""
    try:
        if value.startswith("+"):
            parsed = phonenumbers.parse(value, None)
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return value
    if phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return value
