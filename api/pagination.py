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

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

import orjson
from flask import Response, jsonify
from marshmallow import Schema
from sqlalchemy import Select

from api.field_masks import Mask, masked
from api.http import decode_cursor, encode_cursor, next_page_url, set_link_next
from api.list_facts import list_fact
from api.state import db_session
from directory.open_now import open_page, open_total
from directory.pages import (
    Key,
    KeyValue,
    Listing,
    Page,
    count_up_to,
    keyset_page,
    prepared,
    prepared_count,
    prepared_page,
)


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


def counted_answer(listing: Listing, args: dict[str, Any], dump: Callable[[Any], dict],
                   schema: type[Schema] | Schema, *, open_at: datetime | None = None,
                   region: str | None = None, mask: Mask | None = None) -> Response:
    """A public list's page with its ``total`` (exact up to a bound): of the whole *listing*,
    or with *open_at* of its enterprises open then (serving *region*; directory/open_now.py)."""
    session = db_session()
    after = cursor_values(listing.key, args.get("cursor"))
    if open_at is not None:
        page = open_page(session, listing, after, args["limit"], open_at, region)
        total = open_total(session, listing, open_at, region)
    else:
        page = keyset_page(session, listing.query, listing.key, after, args["limit"])
        total = count_up_to(session, listing.query)
    return page_response(page, args, dump, schema, cache=True, total=total, mask=mask)


def spliced_answer(keys: Listing, args: dict[str, Any],
                   items_of: Callable[[list[Any]], list[bytes]], *,
                   filtered: Hashable | None = None,
                   attach: Callable[[Select, Key], Select] | None = None,
                   bound: dict[str, Any] | None = None) -> Response:
    """A public list's page with its ``total``, like :func:`counted_answer`, whose
    items come as their JSON (*items_of*: a page's rows -> their items, in order) and are
    spliced into the answer without being parsed. *keys* is built once per list (its
    statements are: ``directory.pages.prepared``, with *attach* and the values *bound* of
    what it adds). *filtered*: what names the list's rows (its filter, not its order or page),
    under which its total is kept (``api.list_facts``)."""
    session, statements = db_session(), prepared(keys, attach)
    page = prepared_page(session, statements, cursor_values(keys.key, args.get("cursor")),
                         args["limit"], bound)
    total, exact = list_fact(None if filtered is None else ("total", filtered),
                             lambda: prepared_count(session, statements))
    url = next_url(page, args)
    body = b"".join((b'{"items":[', b",".join(items_of(page.rows)),
                     b'],"next":', orjson.dumps(url), b',"total":', str(total).encode(),
                     b',"total_exact":', b"true" if exact else b"false", b"}\n"))
    response = Response(body, mimetype="application/json")
    set_link_next(response, url)
    return response


def page_response(page: Page, args: dict[str, Any], dump: Callable[[Any], dict],
                  schema: type[Schema] | Schema, *, cache: bool = False,
                  total: tuple[int, bool] | None = None, mask: Mask | None = None) -> Response:
    """*page* as an answer: its items through *dump* (only the fields of *mask*, if any),
    ``next`` in the body and ``Link``, and *total* (count, exact) as ``total``/``total_exact``."""
    url = next_url(page, args)
    dumper = schema() if isinstance(schema, type) else schema
    body = dumper.dump({"items": [dump(row) for row in page.rows], "next": url,
                        **({"total": total[0], "total_exact": total[1]} if total else {})})
    if mask is not None:
        body["items"] = masked(body["items"], mask)
    response = jsonify(body)
    if not cache:
        response.headers["Cache-Control"] = "no-store"
    set_link_next(response, url)
    return response
