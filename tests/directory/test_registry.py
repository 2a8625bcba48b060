"""The model registry: every table says how the response cache and the archive treat it (a table
added without saying it fails here), and the cache's private tables and the archive's lists are
read from those facts, not kept by hand."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

from api import cache
from directory import archive, registry
from directory.db import ARCHIVE_TREATMENTS, DERIVED, EXCLUDED, KEPT, table_facts, withheld

ROOT = Path(__file__).resolve().parents[2]
# The order of an archive's tables is part of its format (version 1): archives written before
# must still import, so a refactoring that moves a model keeps this order.
ARCHIVE_V1_TABLES = [
    "industries", "enterprises", "enterprise_regions", "channels", "notices", "listing_versions",
    "fact_reviews", "users", "memberships", "member_invitations", "oauth_clients", "claims",
    "reports", "follows", "channel_days", "handoffs", "callback_requests", "experiences",
    "wait_counts", "reach_counts", "experience_voices", "voice_counts", "live_statuses",
    "tips", "tip_votes", "tip_reports", "suggestions", "out_of_service_reports",
    "webhooks", "webhook_deliveries",
]


def test_every_table_declares_its_cache_and_archive_treatment():
    assert registry.problems() == []
    every = registry.tables()
    assert {table.name for table in every} == set(registry.metadata.tables)
    for table in every:
        assert isinstance(table.info["public"], bool), table.name
        assert table.info["archive"] in ARCHIVE_TREATMENTS, table.name
        if table.info["archive"] != KEPT:
            assert table.info["why"], table.name
        if table.info["archive"] == DERIVED:
            assert callable(table.info["rebuild"]), table.name


def test_a_table_that_forgets_its_facts_is_named():
    metadata = MetaData()
    parent = Table("parent", metadata, Column("id", Integer, primary_key=True),
                   info=table_facts(public=True)["info"])
    bare = Table("bare", metadata, Column("id", Integer, primary_key=True))
    unexplained = Table("unexplained", metadata, Column("id", Integer, primary_key=True),
                        info=table_facts(public=False, archive=EXCLUDED)["info"])
    underived = Table("underived", metadata, Column("id", Integer, primary_key=True),
                      info=table_facts(public=True, archive=DERIVED, why="made from parent")["info"])
    secret = Table("secret", metadata, Column("id", Integer, ForeignKey("parent.id"), primary_key=True),
                   Column("token", String(64), nullable=False, info=withheld("a secret")),
                   info=table_facts(public=False)["info"])
    found = "\n".join(registry.problems([parent, bare, unexplained, underived, secret]))
    assert "parent" not in found
    assert "bare: does not say whether public reads show it" in found
    assert "bare: archive treatment None" in found
    assert "unexplained: left out of the archive without saying why" in found
    assert "underived: derived, but says nothing that rebuilds it" in found
    assert "secret.token: withheld, not nullable, and nothing restores it" in found


def _declares_a_table(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.Assign) and any(
        isinstance(target, ast.Name) and target.id == "__tablename__" for target in node.targets)
        for node in ast.walk(tree))


def test_every_module_that_declares_a_table_is_in_the_registry():
    registered = {module.__name__ for module in registry.MODEL_MODULES}
    declaring = {".".join(path.relative_to(ROOT).with_suffix("").parts)
                 for folder in ("directory", "api", "search")
                 for path in sorted((ROOT / folder).rglob("*.py")) if _declares_a_table(path)}
    assert declaring == registered
    assert all(name.startswith("directory.") for name in declaring)  # the domain's tables only


def test_the_response_cache_ignores_exactly_the_tables_no_public_read_shows():
    private = {table.name for table in registry.tables() if table.info["public"] is False}
    assert private == cache.PRIVATE_TABLES
    assert {"users", "oauth_tokens", "idempotency_keys", "webhooks"} <= cache.PRIVATE_TABLES
    assert not {"enterprises", "channels", "notices", "lookup_keys", "listing_changes",
                "live_statuses", "wait_counts"} & cache.PRIVATE_TABLES


def test_the_archive_lists_come_from_the_registry():
    every = registry.tables()
    kept = [table for table in every if table.info["archive"] == KEPT]
    assert list(archive.EXPORTED) == [table.name for table in kept] == ARCHIVE_V1_TABLES
    left_out = {table.name: table.info["why"] for table in every if table.info["archive"] != KEPT}
    assert left_out == archive.EXCLUDED_TABLES
    for table in kept:
        assert archive.EXPORTED[table.name] == {column.name: column.info["withheld"]
                                                for column in table.columns if "withheld" in column.info}
    assert set(archive.REDACTED) == {"webhook_deliveries.payload.data.code",
                                     "webhook_deliveries.payload.data.url"}
    assert [table.name for table in archive.tables()] == ARCHIVE_V1_TABLES  # parents first
