"""Command-line tools, one module per command group: ``flask db`` (database), ``flask directory``
(data: import, export, audit), ``flask search`` (search_index), ``flask openapi`` (openapi_spec),
``flask users``, ``flask clients``, ``flask members``, ``flask webhooks`` and ``flask
notifications``."""

from __future__ import annotations

from flask import Flask

from api.cli.clients import clients_cli
from api.cli.data import BUNDLED_DATA, directory_cli
from api.cli.database import db_cli, upgrade_database
from api.cli.docs_client import clients_docs  # noqa: F401 - `flask clients docs`
from api.cli.errors import explain_database_errors
from api.cli.members import members_cli
from api.cli.notifications import notifications_cli
from api.cli.openapi_spec import OPENAPI_FILE, openapi_cli, served_spec
from api.cli.search_index import search_cli
from api.cli.users import users_cli
from api.cli.webhooks import webhooks_cli

# What tests and benchmarks import from here: the bundled data, the spec file, migrations.
__all__ = ["BUNDLED_DATA", "OPENAPI_FILE", "register_commands", "served_spec", "upgrade_database"]


def register_commands(app: Flask) -> None:
    for group in (db_cli, directory_cli, search_cli, openapi_cli, users_cli, clients_cli,
                  members_cli, webhooks_cli, notifications_cli):
        # one line, not a traceback (api/cli/errors.py)
        explain_database_errors(group, migrating=group is db_cli)
        app.cli.add_command(group)
