"""A search as the directory asks it, in the terms of the search port.

The search engines know nothing of the region tree: a listing's document names the regions
it serves, and a query for a region names that region and every region containing it (a
county, its city, its province, ``CN``). The expansion is the directory's, made here; so is
reading a number as people write it (``010-95588`` is 95588): the one reader lookup uses too.
"""

from __future__ import annotations

from directory.phones import searched_number
from directory.regions import region_ancestors
from search.base import SearchQuery


def listing_query(text: str, *, industry: str | None = None, channel: str | None = None,
                  region: str | None = None, limit: int = 20, offset: int = 0) -> SearchQuery:
    """The search for listings matching *text*, of *industry* (or an industry under it), with
    a channel of kind *channel*, serving *region* (or a region containing it, or everywhere).
    Text written like a phone number is searched as the number lookup reads in it."""
    return SearchQuery(text=searched_number(text) or text, industry=industry, channel=channel,
                       regions=tuple(region_ancestors(region)) if region else (),
                       limit=limit, offset=offset)
