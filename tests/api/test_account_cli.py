"""`flask users create`, `flask clients create` and `flask members`."""

from __future__ import annotations

import json

from sqlalchemy import select

from api import create_app
from api.config import Config
from directory.accounts import Membership
from directory.credentials import OAuthClient, digest
from directory.models import Enterprise


def _app(fresh_database, tmp_path):  # noqa: ANN001, ANN202
    from directory.importer import import_directory
    from tests.factories import enterprise, write_data

    app = create_app(Config.from_env(database_url=fresh_database, data_dir=tmp_path / "var", testing=True))
    with app.extensions["c800"].sessions() as session:
        import_directory(session, write_data(tmp_path / "data", [enterprise()]))
        session.commit()
    return app


def test_users_clients_and_members(fresh_database, tmp_path):
    app = _app(fresh_database, tmp_path)
    run = app.test_cli_runner().invoke
    made = run(args=["users", "create", "--email", "ada@example.com", "--password-stdin"],
               input="correct horse battery staple\n")
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["email"] == "ada@example.com"
    again = run(args=["users", "create", "--email", "ada@example.com", "--password-stdin"],
                input="correct horse battery staple\n")
    assert again.exit_code != 0 and "exists" in again.output
    short = run(args=["users", "create", "--email", "bob@example.com", "--password-stdin"], input="short")
    assert short.exit_code != 0 and "at least" in short.output

    confidential = run(args=["clients", "create", "--name", "Partner", "--grant", "client_credentials",
                             "--scope", "directory:read"])
    printed = json.loads(confidential.output)
    assert printed["client_secret"] and printed["token_endpoint_auth_method"] == "client_secret_basic"
    public = json.loads(run(args=["clients", "create", "--name", "c800 app", "--grant", "authorization_code",
                                  "--scope", "directory:read me", "--redirect-uri",
                                  "com.c800.app:/oauth", "--first-party"]).output)
    assert public["client_secret"] is None and public["token_endpoint_auth_method"] == "none"
    assert public["first_party"] is True
    with app.extensions["c800"].sessions() as session:
        stored = session.get(OAuthClient, printed["client_id"])
        assert stored.secret_hash == digest(printed["client_secret"])  # only the digest is kept
    for bad in (["--grant", "authorization_code", "--scope", "me", "--redirect-uri", "http://evil.example/cb"],
                ["--grant", "authorization_code", "--scope", "me"],
                ["--grant", "client_credentials", "--scope", "everything"],
                ["--grant", "client_credentials", "--scope", "admin"]):
        assert run(args=["clients", "create", "--name", "x", *bad]).exit_code != 0, bad

    # the old `flask enterprises add-member` bypassed the members' rules (the last owner): gone
    assert run(args=["enterprises", "add-member", "ent_000000000001", "ada@example.com",
                     "--role", "owner"]).exit_code != 0
    app.extensions["c800"].engine.dispose()


def test_members_list_add_set_role_and_remove(fresh_database, tmp_path):
    """`flask members`: an administrator's say over who keeps a listing, the last owner included."""
    app = _app(fresh_database, tmp_path)
    run = app.test_cli_runner().invoke
    for name in ("ada", "bob"):
        made = run(args=["users", "create", "--email", f"{name}@example.com", "--password-stdin"],
                   input="correct horse battery staple\n")
        assert made.exit_code == 0, made.output
    listing = "ent_000000000001"
    assert run(args=["members", "list", listing]).output == ""
    added = run(args=["members", "add", listing, "ada@example.com", "--role", "owner"])
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["role"] == "owner" and json.loads(added.output)["invited_by"] == "cli"
    assert run(args=["members", "add", listing, "bob@example.com", "--role", "editor"]).exit_code == 0
    listed = [json.loads(line) for line in run(args=["members", "list", listing]).output.splitlines()]
    assert {(m["email"], m["role"]) for m in listed} == {("ada@example.com", "owner"),
                                                        ("bob@example.com", "editor")}
    users = [json.loads(line) for line in run(args=["users", "list"]).output.splitlines()]
    assert [(u["email"], u["keeps"], u["email_verified"]) for u in users] == [
        ("ada@example.com", [f"{listing}:owner"], True), ("bob@example.com", [f"{listing}:editor"], True)]
    assert "password" not in json.dumps(users) and "$argon2" not in json.dumps(users)
    assert run(args=["users", "list", "--admins"]).output == ""
    promoted = run(args=["members", "set-role", listing, "bob@example.com", "owner"])
    assert promoted.exit_code == 0 and json.loads(promoted.output)["role"] == "owner"
    removed = run(args=["members", "remove", listing, "ada@example.com"])
    assert removed.exit_code == 0, removed.output
    assert json.loads(removed.output)["owners_left"] == 1
    last = run(args=["members", "remove", listing, "bob@example.com"])  # an administrator may
    assert last.exit_code == 0 and json.loads(last.output)["owners_left"] == 0
    for bad in (["members", "list", "ent_000000000009"],
                ["members", "remove", listing, "bob@example.com"],  # not a member any more
                ["members", "set-role", listing, "nobody@example.com", "owner"],
                ["members", "add", "ent_000000000009", "ada@example.com", "--role", "owner"],
                ["members", "add", listing, "ada@example.com", "--role", "admin"]):
        assert run(args=bad).exit_code != 0, bad
    with app.extensions["c800"].sessions() as session:
        assert session.get(Enterprise, listing).verified is False
        assert not session.scalars(select(Membership).where(Membership.enterprise_id == listing)).all()
    app.extensions["c800"].engine.dispose()
