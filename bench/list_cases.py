"""The list requests the benchmarks time (``bench/read_bench.py``, ``bench/list_plans.py``):
first pages, cursors deep into each order, every filter, taken from what the database holds."""

from __future__ import annotations

import base64

from sqlalchemy import Engine, text


def cursor(*values: object) -> str:
    """A list cursor as ``api/pagination.py`` makes it (the key values joined by ``|``)."""
    return base64.urlsafe_b64encode("|".join(str(v) for v in values).encode()).decode().rstrip("=")


def _row_at(engine: Engine, order: str, offset: int) -> tuple:
    with engine.connect() as connection:
        return tuple(connection.execute(text(
            f"SELECT * FROM (SELECT {order.replace(' DESC', '')} FROM enterprises WHERE status = 'active' "
            f"ORDER BY {order} LIMIT 1 OFFSET :offset) AS deep"), {"offset": offset}).one())


def list_cases(engine: Engine, deep: int | None = None) -> dict[str, str]:
    """Name -> path of each list request measured."""
    with engine.connect() as connection:
        total = connection.execute(text("SELECT count(*) FROM enterprises")).scalar_one()
        leaf, parent = connection.execute(text(
            "SELECT (SELECT industry_id FROM enterprises GROUP BY industry_id "
            "ORDER BY count(*) DESC LIMIT 1), "
            "(SELECT parent_id FROM industries WHERE parent_id IS NOT NULL "
            "GROUP BY parent_id ORDER BY count(*) DESC LIMIT 1)")).one()
        empty = connection.execute(text(
            "SELECT id FROM industries WHERE parent_id IS NOT NULL AND id NOT IN "
            "(SELECT DISTINCT industry_id FROM enterprises) ORDER BY id LIMIT 1")).scalar()
    deep = deep if deep is not None else total * 3 // 4
    prominence, ident = _row_at(engine, "prominence DESC, id DESC", deep)
    name_key, name_ident = _row_at(engine, "name_key, id", deep)
    cases = {
        "first page": "/v1/enterprises?limit=20",
        "deep cursor": f"/v1/enterprises?limit=20&cursor={cursor(prominence, ident)}",
        "sort=name": "/v1/enterprises?limit=20&sort=name",
        "sort=name deep": f"/v1/enterprises?limit=20&sort=name&cursor={cursor(name_key, name_ident)}",
        "industry leaf": f"/v1/enterprises?limit=20&industry={leaf}",
        "industry leaf deep": f"/v1/enterprises?limit=20&industry={leaf}&cursor={cursor(prominence, ident)}",
        "industry subtree": f"/v1/enterprises?limit=20&industry={parent}",
        "industry subtree deep": f"/v1/enterprises?limit=20&industry={parent}"
                                 f"&cursor={cursor(prominence, ident)}",
        "region 440300": "/v1/enterprises?limit=20&region=440300",
        "region 810000 (HK)": "/v1/enterprises?limit=20&region=810000",
        "region deep": f"/v1/enterprises?limit=20&region=310000&cursor={cursor(prominence, ident)}",
        "channel email": "/v1/enterprises?limit=20&channel=email",
        "channel wechat (none)": "/v1/enterprises?limit=20&channel=wechat",
        "verified": "/v1/enterprises?limit=20&verified=true",
        "verified deep": f"/v1/enterprises?limit=20&verified=true&cursor={cursor(prominence, ident)}",
        "industry+channel+region": f"/v1/enterprises?limit=20&industry={parent}&channel=phone&region=110000",
    }
    if empty:
        cases["industry without listings"] = f"/v1/enterprises?limit=20&industry={empty}"
    return cases
