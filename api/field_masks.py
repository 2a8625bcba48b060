"""``fields=``: part of a listing, as Google APIs' field masks (mobile clients save bandwidth).

A mask is a comma-separated list of field paths, each a field of the answer's schema or, with
dots, of a nested object or of the objects of a list: ``fields=id,name,channels.value,
channels.links.uri``. Every path is checked against the schema (an unknown field is a 422
problem naming it), and the answer keeps only those fields (a field named whole keeps all of
it). On a list, the mask applies to each item; ``next`` and ``total`` stay.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import abort
from marshmallow import Schema, fields, validate

MAX_MASK = 1000
_PATH = r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*"
FIELDS_PATTERN = rf"^{_PATH}(?:,{_PATH})*$"
Mask = dict[str, "Mask | None"]  # a field -> its own mask, None for the whole field


def mask_field(description: str, example: str) -> fields.String:
    """The ``fields`` query parameter of an operation whose answer takes a mask (declare it as
    ``fields_``: a schema's own ``fields`` attribute is its fields); loaded as ``fields_``."""
    return fields.String(load_default=None, data_key="fields", validate=[
        validate.Length(1, MAX_MASK),
        validate.Regexp(FIELDS_PATTERN, error="A comma-separated list of field names, nested "
                        "ones joined with dots (id,name,channels.value).")],
        metadata={"description": description, "example": example})


def _nested(field: fields.Field) -> Schema | None:
    if isinstance(field, fields.List):
        field = field.inner
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        return field.schema
    return None


def _fields(schema: Schema) -> dict[str, fields.Field]:
    """*schema*'s fields by the names its answers use (``data_key``: ``zh-Hans``)."""
    return {field.data_key or name: field for name, field in schema.fields.items()}


def field_mask(text: str | None, schema: Schema) -> Mask | None:
    """The mask *text* names over *schema*'s fields (None: the whole answer); a 422 problem
    naming the first path that is not a field."""
    if text is None:
        return None
    mask: Mask = {}
    for path in dict.fromkeys(text.split(",")):
        names = path.split(".")
        current: Schema | None = schema
        for depth, name in enumerate(names):
            field = _fields(current).get(name) if current is not None else None
            if field is None or field.load_only:
                abort(422, message="The request's parameters are not valid.", errors={"query": {
                    "fields": [f"No field {'.'.join(names[:depth + 1])!r} in this answer."]}})
            current = _nested(field)
        _add(mask, names)
    return mask


def _add(mask: Mask, names: list[str]) -> None:
    node = mask
    for depth, name in enumerate(names):
        if name in node and node[name] is None:
            return  # asked for whole already
        if depth == len(names) - 1:
            node[name] = None  # whole
            return
        node = node.setdefault(name, {})


def masked(data: Any, mask: Mask | None) -> Any:
    """*data* with only the fields of *mask* (None keeps it whole)."""
    if mask is None:
        return data
    if isinstance(data, list):
        return [masked(item, mask) for item in data]
    if not isinstance(data, dict):
        return data
    return {name: masked(data[name], sub) for name, sub in mask.items() if name in data}
