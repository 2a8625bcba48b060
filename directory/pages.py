"""Keyset pages: the one way every list of the directory is cut into pages.

A list has an order (:class:`Key`: columns, each ascending or descending, the last one unique)
and a page is the rows after the last key of the previous page — never an offset, so a page
costs the same deep in a list as at its start and a row written meanwhile is neither skipped
nor shown twice. The API turns the last key into an opaque cursor (``api/pagination.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, bindparam, func, literal, or_, select, tuple_, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from directory.errors import InvalidInput
from directory.instants import bounded_instant

# Lists count their rows exactly up to this many; above, ``total`` says this many and that it
# is a lower bound (a count over a million rows on every page would cost more than the page).
EXACT_COUNT_UP_TO = 10_000
Row = TypeVar("Row")
KeyValue = str | int | datetime
# The instants a row of a list can hold: a century either way (a forged cursor may hold any).
CURSOR_RANGE = timedelta(days=36525)


class BadCursor(InvalidInput):
    """A cursor this API never made."""

    def __init__(self) -> None:
        super().__init__("The request's parameters are not valid.",
                         errors={"cursor": ["Not a cursor returned by this API."]})


@dataclass(frozen=True)
class Key:
    """The order of a list: ``(column, descending)`` pairs, the last one unique per row."""

    columns: tuple[tuple[Any, bool], ...]

    @classmethod
    def ascending(cls, column: Any) -> Key:
        return cls(((column, False),))

    @classmethod
    def newest_first(cls, when: Any, ident: Any) -> Key:
        return cls(((when, True), (ident, True)))

    @classmethod
    def descending(cls, column: Any) -> Key:
        return cls(((column, True),))

    def parse(self, parts: Sequence[str]) -> tuple[KeyValue, ...]:
        """The key values a cursor's *parts* name, typed as the columns are; BadCursor else."""
        if len(parts) != len(self.columns):
            raise BadCursor()
        values: list[KeyValue] = []
        for (column, _desc), text in zip(self.columns, parts, strict=True):
            python_type = _python_type(column)
            try:
                if python_type is datetime:
                    values.append(bounded_instant(datetime.fromisoformat(text), CURSOR_RANGE))
                elif python_type is int:
                    if not text.isdigit():
                        raise ValueError(text)
                    values.append(int(text))
                else:
                    values.append(text)
            except ValueError:
                raise BadCursor() from None
        return tuple(values)

    def after(self, values: Sequence[KeyValue]) -> ColumnElement[bool]:
        """The rows that come after the row whose key is *values*, in this order.

        When every column goes the same way this is one row-value comparison (``(a, b) <
        (:a, :b)``), which both SQLite and PostgreSQL read as a range of an index on the key's
        columns, so a page deep into a list seeks to its first row; the spelled-out form (``a <
        :a OR (a = :a AND b < :b)``), needed for mixed directions, makes them scan from the
        list's start (it means the same for the NOT NULL columns keys are made of)."""
        directions = {descending for _column, descending in self.columns}
        if len(self.columns) > 1 and len(directions) == 1:
            columns = tuple_(*(column for column, _desc in self.columns))
            bound = tuple_(*(value if isinstance(value, BindParameter) else literal(value, column.type)
                             for (column, _d), value in zip(self.columns, values, strict=True)))
            return columns < bound if directions == {True} else columns > bound
        clauses = []
        for index, (column, descending) in enumerate(self.columns):
            equal = [c == v for (c, _d), v in zip(self.columns[:index], values, strict=False)]
            beyond = column < values[index] if descending else column > values[index]
            clauses.append(and_(*equal, beyond))
        return or_(*clauses)

    def order_by(self) -> list[Any]:
        return [column.desc() if descending else column for column, descending in self.columns]

    def of(self, row: Any) -> tuple[KeyValue, ...]:
        """The key values of *row* (an ORM instance holding the key's columns)."""
        return tuple(getattr(row, column.key) for column, _desc in self.columns)


def _python_type(column: Any) -> type:
    kind = getattr(column.type, "impl_instance", None) or column.type  # a TypeDecorator's own type
    try:
        return kind.python_type
    except NotImplementedError:
        return str


@dataclass(frozen=True)
class Listing:
    """What a use case that lists answers, once it checked who asks: the query of the rows they
    may see, in *key*'s order; with *key_of* its rows are result rows (several entities each)
    and it says a row's key. Whoever shows it cuts it into pages after the key a cursor names."""

    query: Select
    key: Key
    key_of: Callable[[Any], tuple[KeyValue, ...]] | None = None
    # the same rows as disjoint lists, each read from an index of its own: the paginator merges
    # their pages and adds up their counts (directory/serving.py: a region's list)
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class Part:
    """One of a listing's disjoint parts: its query, and a statement counting its rows up to
    *bound* + 1 when another than the query's own count reads fewer rows; a part counted up to
    a lower bound than the list's makes the list's total a lower bound beyond it."""

    query: Select
    count: Select | None = None
    bound: int = EXACT_COUNT_UP_TO


def queue(model: Any, statuses: Sequence[str], status: str | None) -> Listing:
    """The rows of *model* (only those in *status*, one of *statuses*, when given), oldest
    first: the queues administrators work through."""
    if status is not None and status not in statuses:
        raise InvalidInput("The request's parameters are not valid.",
                           errors={"status": [f"One of: {', '.join(statuses)}."]})
    query = select(model)
    if status:
        query = query.where(model.status == status)
    return Listing(query, Key.ascending(model.id))


@dataclass
class Page(Generic[Row]):
    """One page: its rows, and the key of its last row when more rows follow (else None)."""

    rows: list[Row]
    next_key: tuple[KeyValue, ...] | None


def keyset_page(session: Session, query: Select, key: Key, after: Sequence[KeyValue] | None,
                limit: int, *, scalars: bool = True,
                key_of: Callable[[Any], tuple[KeyValue, ...]] | None = None) -> Page:
    """The page of *query* in *key*'s order after the key *after* (None: the first page), at
    most *limit* rows. With *scalars* False the rows are result rows, and *key_of* says a row's
    key."""
    if after is not None:
        query = query.where(key.after(after))
    query = query.order_by(*key.order_by()).limit(limit + 1)
    rows = list(session.scalars(query) if scalars else session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    next_key = (key_of or key.of)(rows[-1]) if more and rows else None
    return Page(rows, next_key)


@dataclass(frozen=True)
class Prepared:
    """A listing's statements, built once (SQLAlchemy then caches their SQL; building and
    keying a statement costs more than running it): its first page, a page after a key
    (bound as ``k0``, ``k1``, ...), both with the bound ``limit``, and its count."""

    key: Key
    first: Select | None  # None: this part's rows come in the first part's statements
    after: Select | None
    count: Select
    bound: int = EXACT_COUNT_UP_TO  # the count counts up to this many rows (then one more)


@lru_cache(maxsize=512)
def prepared(listing: Listing, attach: Callable[[Select, Key], Select] | None = None
             ) -> tuple[Prepared, ...]:
    """The statements of *listing*'s pages (those of its parts' pages merged into one, if it
    has parts) and of its count (one per part), for a listing that is itself built once (the
    same object for the same list: the cache knows it by identity). *attach* (a page's
    statement and the key -> a statement of the same rows in the same order, with more
    columns) brings what the page's rows are shown with in the same statement
    (``directory.listing_reads.with_cards``), each part's before they are merged."""
    key = listing.key
    bound = tuple(bindparam(f"k{n}", type_=column.type) for n, (column, _d) in enumerate(key.columns))
    parts = listing.parts or (Part(listing.query),)
    pages = [part.query.order_by(*key.order_by()).limit(bindparam("limit")) for part in parts]
    afters = [page.where(key.after(bound)) for page in pages]
    if attach is not None:
        pages, afters = [attach(page, key) for page in pages], [attach(a, key) for a in afters]
    page, after = (pages[0], afters[0]) if len(parts) == 1 else (_merged(pages, key),
                                                                 _merged(afters, key))
    return tuple(Prepared(key, page if n == 0 else None, after if n == 0 else None,
                          part.count if part.count is not None else _counted(part.query, part.bound),
                          part.bound) for n, part in enumerate(parts))


def _merged(pages: list[Select], key: Key) -> Select:
    """The first ``limit`` rows, in *key*'s order, of the pages of disjoint parts (each read in
    that order from an index of its own, up to ``limit`` rows): one statement, ``UNION ALL`` of
    the parts' pages then ordered and cut, instead of a statement per part merged here (each
    part's page then sent whole, ``limit`` rows more than the page)."""
    rows = union_all(*(select(*page.subquery().c) for page in pages)).subquery()
    order = [rows.c[column.key].desc() if descending else rows.c[column.key]
             for column, descending in key.columns]
    return select(*rows.c).order_by(*order).limit(bindparam("limit"))


def prepared_page(session: Session, prepared: tuple[Prepared, ...],
                  after: Sequence[KeyValue] | None, limit: int,
                  bound: dict[str, Any] | None = None) -> Page:
    """As :func:`keyset_page` for rows of columns, from the statements built once (with
    *bound*: the values of their other parameters), one statement whatever the listing's
    parts."""
    params = {"limit": limit + 1, **(bound or {})}
    if after is not None:
        params.update((f"k{n}", value) for n, value in enumerate(after))
    statements = prepared[0]  # a listing's parts are read in its first part's statements
    rows = session.connection().execute(
        statements.first if after is None else statements.after, params).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, statements.key.of(rows[-1]) if more and rows else None)


def prepared_count(session: Session, prepared: tuple[Prepared, ...]) -> tuple[int, bool]:
    """As :func:`count_up_to`, from the statements built once: the parts' counts added, each
    up to its bound (beyond one, the total is a lower bound)."""
    total, exact = 0, True
    for statements in prepared:
        counted = session.connection().scalar(statements.count) or 0
        exact = exact and counted <= statements.bound
        total += min(counted, statements.bound)
    return (EXACT_COUNT_UP_TO, False) if total > EXACT_COUNT_UP_TO else (total, exact)


def count_up_to(session: Session, query: Select, bound: int = EXACT_COUNT_UP_TO) -> tuple[int, bool]:
    """How many rows *query* has, and whether that is exact: at most *bound* rows are counted
    (``(bound, False)`` when there are more)."""
    total = session.scalar(_counted(query, bound)) or 0
    return (bound, False) if total > bound else (total, True)


def _counted(query: Select, bound: int) -> Select:
    rows = query.order_by(None)
    if not rows._distinct:  # which rows, not their columns: an index may hold all it reads
        rows = rows.with_only_columns(literal(1), maintain_column_froms=True)
    return select(func.count()).select_from(rows.limit(bound + 1).subquery())
