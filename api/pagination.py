"""The one paginator of the API: cursors and ``next`` links over ``directory.pages`` keysets.

A cursor is the last row's key, opaque to clients (URL-safe base64 of the key values joined by
``|``); ``next`` is the same request with that cursor, in the body and in an RFC 8288 ``Link``
header. Lists of someone's own data are never cached (``no-store``)::

    @blp.arguments(PageArgsSchema, location="query")
    def get(self, args):
        query = select(Claim).where(Claim.status == "pending")
        return page_answer(query, Key.ascending(Claim.id), args, claim_dump, ClaimListSchema)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema
from sqlalchemy import Select

from api.http import decode_cursor, encode_cursor, next_page_url, set_link_next
from api.state import db_session
from directory.pages import Key, KeyValue, Listing, Page, keyset_page


def cursor_values(key: Key, cursor: str | None) -> tuple[KeyValue, ...] | None:
    """The key a cursor of *key*'s list names (None for no cursor); a 422 when it is not one of
    ours."""
    text = decode_cursor(cursor)
    if text is None:
        return None
    return key.parse(text.split("|", len(key.columns) - 1))


def cursor_of(values: tuple[KeyValue, ...]) -> str:
    return encode_cursor("|".join(v.isoformat() if isinstance(v, datetime) else str(v) for v in values))


def next_url(page: Page, args: dict[str, Any]) -> str | None:
    return next_page_url(cursor_of(page.next_key), args) if page.next_key is not None else None


def page_answer(query: Select, key: Key, args: dict[str, Any], dump: Callable[[Any], dict],
                schema: type[Schema] | Schema, *, scalars: bool = True,
                key_of: Callable[[Any], tuple[KeyValue, ...]] | None = None,
                cache: bool = False) -> Response:
    """The page of *query* the request's ``limit`` and ``cursor`` ask for, each row through
    *dump*, as *schema* (``items``, ``next``); ``no-store`` unless *cache*."""
    page = keyset_page(db_session(), query, key, cursor_values(key, args.get("cursor")),
                       args["limit"], scalars=scalars, key_of=key_of)
    return page_response(page, args, dump, schema, cache=cache)


def listing_answer(listing: Listing, args: dict[str, Any], dump: Callable[[Any], dict],
                   schema: type[Schema] | Schema, *, cache: bool = False) -> Response:
    """The page of a use case's *listing* the request asks for (see :func:`page_answer`)."""
    return page_answer(listing.query, listing.key, args, dump, schema,
                       scalars=listing.key_of is None, key_of=listing.key_of, cache=cache)


def page_response(page: Page, args: dict[str, Any], dump: Callable[[Any], dict],
                  schema: type[Schema] | Schema, *, cache: bool = False) -> Response:
    """*page* as an answer: its items through *dump*, ``next`` in the body and ``Link``."""
    url = next_url(page, args)
    dumper = schema() if isinstance(schema, type) else schema
    response = jsonify(dumper.dump({"items": [dump(row) for row in page.rows], "next": url}))
    if not cache:
        response.headers["Cache-Control"] = "no-store"
    set_link_next(response, url)
    return response
