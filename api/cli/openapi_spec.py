"""``flask openapi``: the OpenAPI document as served, written to openapi/openapi.json or checked."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parents[2]
OPENAPI_FILE = ROOT / "openapi" / "openapi.json"

openapi_cli = AppGroup("openapi", help="The OpenAPI document.")


def served_spec(app: Flask) -> str:
    """The OpenAPI document exactly as the app serves it at /openapi.json."""
    with app.test_client() as client:
        response = client.get("/openapi.json")
    document = json.loads(response.get_data(as_text=True))
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@openapi_cli.command("export")
@click.option("--check", is_flag=True, help="Fail if openapi/openapi.json is stale.")
def openapi_export(check: bool) -> None:
    """Write openapi/openapi.json from the running code (or --check it)."""
    text = served_spec(current_app._get_current_object())  # type: ignore[attr-defined]
    if check:
        current = OPENAPI_FILE.read_text(encoding="utf-8") if OPENAPI_FILE.exists() else ""
        if current != text:
            click.echo("openapi/openapi.json is stale: run `make openapi`", err=True)
            sys.exit(1)
        click.echo("openapi/openapi.json is up to date")
        return
    OPENAPI_FILE.parent.mkdir(parents=True, exist_ok=True)
    OPENAPI_FILE.write_text(text, encoding="utf-8")
    click.echo(f"wrote {OPENAPI_FILE.relative_to(ROOT)}")
