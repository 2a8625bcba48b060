"""`flask directory export` / `import` of the whole database, on SQLite and PostgreSQL.

The bundled directory plus some of everything made through the API (an account, a membership,
edits that make versions, a notice, a claim, a report, a follow, an experience, a live status,
a handoff, a callback request, a webhook and its deliveries): exported, imported into a new
empty database, exported again, the two archives are identical but for ``exported_at``; no
secret is in the file; what is left out is said; a non-empty database, another schema
revision, a cut-short or altered archive are refused and leave the database as it was.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from api import create_app
from api.cli import BUNDLED_DATA
from api.config import Config
from directory import archive
from directory.accounts import Membership, User, add_member, authenticate, create_user
from directory.claims import Claim, Report
from directory.contacts import CallbackRequest, ChannelDay, Follow, Handoff
from directory.credentials import OAuthClient, OAuthToken, digest
from directory.experiences import Experience, LiveStatus, ReachCount, WaitCount
from directory.importer import import_directory
from directory.lookup_keys import LookupKey
from directory.members import Invitation
from directory.models import Channel, Enterprise, Notice
from directory.reviews import FactReview
from directory.versions import ListingVersion
from directory.webhooks import EVENTS, Webhook, WebhookDelivery, register_webhook
from tests.conftest import BACKEND_PARAMS, _fresh

# The listings in the bundled directory (directory/data/enterprises.jsonl).
BUNDLED_LISTINGS = sum(1 for line in (BUNDLED_DATA / "enterprises.jsonl").open(encoding="utf-8")
                       if line.strip())

pytestmark = pytest.mark.slow

ICBC = "ent_9f7532f6acdd"  # 中国工商银行 in the bundled data: 95588, webmaster@icbc.com.cn
PASSWORD = "a long enough password"
PEOPLE = ("owner", "ada", "root")


@dataclass
class Source:
    app: object
    backend: str
    archive: Path
    secrets: list[str] = field(default_factory=list)
    made: dict = field(default_factory=dict)


def _app(url: str, data_dir: Path):  # noqa: ANN202
    return create_app(Config.from_env(database_url=url, data_dir=data_dir, testing=True))


def cli(app, *args: str, input: str | None = None):  # noqa: ANN001, ANN201, A002
    return app.test_cli_runner().invoke(args=list(args), input=input)


def _token(client, name: str, secret: str | None = None):  # noqa: ANN001, ANN202
    basic = base64.b64encode(f"cl_{name}:{secret or name + '-secret'}".encode()).decode()
    return client.post("/oauth/token", data={"grant_type": "client_credentials"},
                       headers={"Authorization": f"Basic {basic}"})


def mail_to(data_dir: Path, address: str):  # noqa: ANN201 - an email.message.EmailMessage
    import email
    import email.policy

    found = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
             for path in (data_dir / "mail").glob("*.eml")]
    return next(message for message in found if message["To"] == address)


def _ok(answer, status: int = 200) -> dict:  # noqa: ANN001
    assert answer.status_code == status, (answer.status_code, answer.get_json())
    return answer.get_json()


def populate(app) -> dict:  # noqa: ANN001
    """Some of everything, made through the API where it has an endpoint."""
    state = app.extensions["c800"]
    client = app.test_client()
    with app.app_context(), state.sessions() as session:
        users = {name: create_user(session, f"{name}@example.com", PASSWORD, admin=name == "root")
                 for name in PEOPLE}
        add_member(session, ICBC, "owner@example.com", "owner")
        for name, user in users.items():
            scope = "directory:read me admin" if name == "root" else "directory:read me listings:write"
            session.add(OAuthClient(client_id=f"cl_{name}", secret_hash=digest(f"{name}-secret"),
                                    name=name, grant_types=["client_credentials"], scope=scope,
                                    user_id=user.id))
        session.add(OAuthClient(client_id="cl_app", secret_hash=None, name="c800 app",
                                grant_types=["authorization_code"], redirect_uris=["com.c800.app:/oauth"],
                                scope="directory:read me", auth_method="none"))
        session.commit()
        webhook = register_webhook(session, ICBC, "https://hooks.example.com/c800", list(EVENTS),
                                   users["owner"].id, resolve=lambda _host, _port: ["93.184.216.34"])
        session.commit()
        channels = {c.value: c.id
                    for c in session.scalars(select(Channel).where(Channel.enterprise_id == ICBC))}
    tokens = {name: _ok(_token(client, name))["access_token"] for name in PEOPLE}

    def auth(name: str, **headers: str) -> dict:
        return {"Authorization": f"Bearer {tokens[name]}", **headers}

    def etag() -> str:
        return client.get(f"/v1/manage/enterprises/{ICBC}", headers=auth("owner")).headers["ETag"]

    phone, mail = channels["95588"], channels["webmaster@icbc.com.cn"]
    _ok(client.patch(f"/v1/enterprises/{ICBC}", json={"description": "个人及企业银行服务"},
                     headers=auth("owner", **{"If-Match": etag()})))
    _ok(client.patch(f"/v1/enterprises/{ICBC}/channels/{phone}", json={
        "accepts_callbacks": True, "hours": {"timezone": "Asia/Shanghai", "always_open": True},
        "menu": [{"intent": "信用卡挂失", "keys": "2,1"}], "to_person": "0"},
        headers=auth("owner", **{"If-Match": etag()})))
    _ok(client.post(f"/v1/enterprises/{ICBC}/channels", json={"kind": "phone", "value": "4006695588"},
                    headers=auth("owner", **{"If-Match": etag()})), 201)  # waits for review
    now = datetime.now(UTC)
    _ok(client.post(f"/v1/enterprises/{ICBC}/notices", json={
        "title": "系统升级", "body": "12 月 6 日凌晨网银暂停服务。", "severity": "warning",
        "valid_from": now.isoformat(), "valid_until": (now + timedelta(days=3)).isoformat(),
        "links": [{"label": "公告", "url": "https://www.icbc.com.cn/notice"}]},
        headers=auth("owner", **{"If-Match": etag(), "Idempotency-Key": "notice-1"})), 201)
    _ok(client.put(f"/v1/manage/channels/{phone}/status", json={
        "state": "incident", "wait_minutes": 30, "message": "排队较长",
        "expires_at": (now + timedelta(hours=2)).isoformat()}, headers=auth("owner")))
    _ok(client.put(f"/v1/me/following/{ICBC}", headers=auth("ada")), 201)
    _ok(client.post(f"/v1/channels/{phone}/experiences", json={
        "waited_minutes": 12, "reached_person": True, "resolved": None}, headers=auth("ada")), 201)
    handoff = _ok(client.post(f"/v1/enterprises/{ICBC}/contacts", json={
        "channel_id": mail, "topic": "信用卡账单", "details": {"reference": "6222-0000"}},
        headers=auth("ada")), 201)["handoff"]
    start = now + timedelta(hours=1)
    _ok(client.post(f"/v1/channels/{phone}/callbacks", json={
        "phone": "138 0013 8000", "topic": "信用卡账单疑问", "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=2)).isoformat()}, headers=auth("ada")), 201)
    _ok(client.post(f"/v1/enterprises/{ICBC}/claims", json={"method": "email",
                                                           "email": "service@icbc.com.cn"},
                    headers=auth("ada")), 202)
    _ok(client.post(f"/v1/manage/enterprises/{ICBC}/invitations", json={
        "email": "newcomer@icbc.com.cn", "role": "editor"}, headers=auth("owner")), 201)
    invitation_mail = mail_to(state.config.data_dir, "newcomer@icbc.com.cn").get_content()
    invitation_code = invitation_mail.split("\n\n")[1].strip()
    report = _ok(client.post(f"/v1/enterprises/{ICBC}/reports", json={
        "topic": "wrong_number", "message": "这个号码打不通", "channel_id": phone}), 201)
    _ok(client.patch(f"/v1/admin/reports/{report['id']}", json={"status": "resolved",
                                                               "resolution": "已核实"},
                     headers=auth("root")))
    # the crowd (issue 17): a tip, a vote, a report of it, a suggestion, a number reported dead
    tip = _ok(client.post(f"/v1/channels/{phone}/tips", json={"keys": ["2", "0"], "text": "按2再按0"},
                          headers=auth("ada")), 201)
    _ok(client.put(f"/v1/tips/{tip['id']}/vote", json={"worked": True}, headers=auth("root")))
    _ok(client.post(f"/v1/tips/{tip['id']}/reports", json={"reason": "wrong"}, headers=auth("owner")), 201)
    _ok(client.post(f"/v1/enterprises/{ICBC}/suggestions", json={
        "kind": "change_channel", "channel_id": phone, "changes": {"label": "客服热线"}},
        headers=auth("ada")), 201)
    _ok(client.post(f"/v1/enterprises/{ICBC}/reports", json={
        "topic": "closed_channel", "message": "停用了", "channel_id": phone}, headers=auth("ada")), 201)
    with app.app_context(), state.sessions() as session:
        secrets = [*session.scalars(select(User.password_hash)),
                   *session.scalars(select(OAuthClient.secret_hash).where(OAuthClient.secret_hash.is_not(None))),
                   *session.scalars(select(OAuthToken.access_token_hash)),
                   *session.scalars(select(Claim.token_hash).where(Claim.token_hash.is_not(None))),
                   *session.scalars(select(Handoff.token_hash)), *session.scalars(select(Handoff.code_hash)),
                   session.get(Webhook, webhook.id).secret, handoff["token"], handoff["code"],
                   *session.scalars(select(Invitation.token_hash)), invitation_code,
                   *tokens.values()]
        for model in (Membership, Invitation, ListingVersion, Notice, Follow, Experience, WaitCount,
                      ReachCount, LiveStatus, ChannelDay, Handoff, CallbackRequest, Claim, Report,
                      WebhookDelivery, FactReview):
            assert session.scalar(select(func.count()).select_from(model)), model  # some of everything
    assert len(secrets) >= 12
    return {"secrets": secrets, "phone": phone, "webhook": webhook.id, "user_ids": {
        name: user.id for name, user in users.items()}}


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def source(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"source-{request.param}")
    generator = _fresh(request, request.param, folder)
    url = next(generator)
    app = _app(url, folder / "var")
    with app.app_context(), app.extensions["c800"].sessions() as session:
        import_directory(session, BUNDLED_DATA)
        session.commit()
    made = populate(app)
    path = folder / "archive.jsonl"
    result = cli(app, "directory", "export", "--output", str(path))
    assert result.exit_code == 0, result.output
    yield Source(app, request.param, path, made["secrets"], made)
    app.extensions["c800"].engine.dispose()
    next(generator, None)


def _target(request, backend: str, folder: Path):  # noqa: ANN001, ANN202
    generator = _fresh(request, backend, folder)
    app = _app(next(generator), folder / "var")
    yield app
    app.extensions["c800"].engine.dispose()
    next(generator, None)


@pytest.fixture
def target(request, source, tmp_path):
    """An app over a new empty database of the source's backend."""
    yield from _target(request, source.backend, tmp_path)


def _split(path: Path) -> tuple[dict, list[bytes]]:
    lines = path.read_bytes().splitlines(keepends=True)
    return json.loads(lines[0]), lines[1:]


def _same_archives(first: Path, second: Path) -> None:
    (one, rows_one), (two, rows_two) = _split(first), _split(second)
    one.pop("exported_at"), two.pop("exported_at")  # the one difference allowed
    assert one == two
    assert len(rows_one) == len(rows_two)
    assert rows_one == rows_two


def _rows_in_every_table(app) -> dict[str, int]:  # noqa: ANN001
    state = app.extensions["c800"]
    with state.engine.connect() as connection:
        names = sorted(set(inspect(connection).get_table_names()) - {"alembic_version"})
        return {name: connection.exec_driver_sql(f'SELECT COUNT(*) FROM "{name}"').scalar()
                for name in names}


def _export(app, path: Path) -> Path:  # noqa: ANN001
    result = cli(app, "directory", "export", "-o", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_the_archive_holds_everything_but_the_secrets_and_says_what_it_leaves_out(source):
    header, rows = _split(source.archive)
    assert header["format"] == "c800-export" and header["version"] == 1
    with source.app.extensions["c800"].engine.connect() as connection:
        assert header["alembic_revision"] == archive.current_revision(connection)
    assert datetime.fromisoformat(header["exported_at"]).tzinfo is not None
    assert {"users.password_hash", "oauth_clients.secret_hash", "oauth_tokens", "oauth_codes",
            "webhooks.secret", "handoffs.token_hash", "handoffs.code_hash", "claims.token_hash",
            "lookup_keys", "listing_changes", "idempotency_keys",
            "member_invitations.token_hash"} <= set(header["excluded"])
    text = source.archive.read_text("utf-8")
    for secret in source.secrets:
        assert secret not in text
    end = json.loads(rows[-1])
    assert end["end"] == "c800-export" and end["sha256"] == hashlib.sha256(b"".join(rows[:-1])).hexdigest()
    tables = [json.loads(line)["table"] for line in rows[:-1]]
    assert tables == sorted(tables, key=list(archive.EXPORTED).index)  # foreign-key order
    assert set(tables) == set(archive.EXPORTED)  # some of every exported table
    assert end["rows"]["enterprises"] == BUNDLED_LISTINGS and end["rows"]["users"] == 3
    user = next(json.loads(line)["row"] for line in rows if b'"table":"users"' in line)
    assert "password_hash" not in user
    assert datetime.fromisoformat(user["created_at"]).utcoffset() == timedelta(0)
    channel = next(json.loads(line)["row"] for line in rows if source.made["phone"].encode() in line
                   and b'"table":"channels"' in line)
    assert channel["menu"] == [{"intent": "信用卡挂失", "keys": "2,1"}]
    assert channel["accepts_callbacks"] is True
    # industries: every parent before its children
    seen: set[str] = set()
    for line in rows:
        data = json.loads(line)
        if data.get("table") == "industries":
            assert data["row"]["parent_id"] in seen | {None}
            seen.add(data["row"]["id"])


def test_every_table_is_exported_or_excluded_with_a_reason(source):
    names = set(_rows_in_every_table(source.app))
    assert names == set(archive.EXPORTED) | set(archive.EXCLUDED_TABLES)
    assert all(archive.EXCLUDED_TABLES.values())


def test_an_import_into_an_empty_database_gives_the_same_archive_back(source, target, tmp_path):
    result = cli(target, "directory", "import", str(source.archive))
    assert result.exit_code == 0, result.output
    assert "search index rebuilt: " in result.output and "users have no password" in result.output
    _same_archives(source.archive, _export(target, tmp_path / "again.jsonl"))

    original, restored = source.app.extensions["c800"], target.extensions["c800"]
    with original.sessions() as before, restored.sessions() as after:
        for model, key in ((User, source.made["user_ids"]["ada"]), (Enterprise, ICBC),
                           (Channel, source.made["phone"]), (LiveStatus, source.made["phone"])):
            one, two = before.get(model, key), after.get(model, key)
            for column in model.__table__.columns:
                # read_generation counts writes (the read model's triggers), not a fact
                if column.name not in ("password_hash", "read_generation"):
                    assert getattr(one, column.name) == getattr(two, column.name), (model, column.name)
        versions = [(v.id, v.number, v.action, v.changes, v.snapshot, v.created_at)
                    for v in before.scalars(select(ListingVersion).where(ListingVersion.enterprise_id == ICBC)
                                            .order_by(ListingVersion.number))]
        assert [v[2] for v in versions] == ["import", "update", "update_channel", "add_channel", "add_notice"]
        assert versions == [(v.id, v.number, v.action, v.changes, v.snapshot, v.created_at) for v in
                            after.scalars(select(ListingVersion).where(ListingVersion.enterprise_id == ICBC)
                                          .order_by(ListingVersion.number))]
        keys = select(LookupKey.key, LookupKey.enterprise_id, LookupKey.channel_id)
        assert sorted(map(repr, before.execute(keys))) == sorted(map(repr, after.execute(keys)))  # rebuilt
        assert after.scalar(select(func.count()).select_from(OAuthToken)) == 0
        hook = source.made["webhook"]
        assert after.get(Webhook, hook).secret != before.get(Webhook, hook).secret
        assert authenticate(after, "ada@example.com", PASSWORD) is None  # no password came back

    client = target.test_client()
    found = _ok(client.get("/v1/search", query_string={"q": "工商银行"}))
    assert ICBC in [item["id"] for item in found["items"]]
    assert _ok(client.get("/v1/lookup", query_string={"q": "95588"}))["official"] is True
    assert _ok(client.get(f"/v1/enterprises/{ICBC}"))["description"] == "个人及企业银行服务"

    # accounts are given a password, confidential clients a secret; then the listing is editable
    assert _token(client, "owner").status_code == 401
    made = cli(target, "users", "set-password", "--email", "owner@example.com", "--password-stdin",
               input="another long password\n")
    assert made.exit_code == 0, made.output
    with restored.sessions() as session:
        assert authenticate(session, "owner@example.com", "another long password") is not None
    fresh = cli(target, "clients", "new-secret", "cl_owner")
    assert fresh.exit_code == 0, fresh.output
    token = _ok(_token(client, "owner", json.loads(fresh.output)["client_secret"]))["access_token"]
    assert cli(target, "clients", "new-secret", "cl_app").exit_code != 0  # public: no secret
    headers = {"Authorization": f"Bearer {token}"}
    tag = client.get(f"/v1/manage/enterprises/{ICBC}", headers=headers).headers["ETag"]
    edited = client.patch(f"/v1/enterprises/{ICBC}", json={"description": "恢复之后的修改"},
                          headers={**headers, "If-Match": tag})
    assert _ok(edited)["version"] == versions[-1][1] + 1  # a new version row: ids (sequences) go on


def test_a_database_that_is_not_empty_is_refused_and_left_as_it_was(source):
    before = _rows_in_every_table(source.app)
    result = cli(source.app, "directory", "import", str(source.archive))
    assert result.exit_code != 0
    assert "not empty" in result.output and "nothing was imported" in result.output
    assert _rows_in_every_table(source.app) == before


def _rewritten(path: Path, out: Path, change) -> Path:  # noqa: ANN001
    """The archive with *change* applied to its row lines, the end line made to match them (so
    that only the change is wrong)."""
    header, lines = _split(path)
    rows = change([json.loads(line) for line in lines[:-1]])
    body = [(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n").encode() for r in rows]
    counts = dict.fromkeys(archive.EXPORTED, 0)
    for row in rows:
        counts[row["table"]] += 1
    end = {"end": "c800-export", "rows": counts, "sha256": hashlib.sha256(b"".join(body)).hexdigest()}
    out.write_bytes(json.dumps(header).encode() + b"\n" + b"".join(body) + json.dumps(end).encode() + b"\n")
    return out


def _fault_cases(source: Source, folder: Path) -> dict[str, tuple[Path, str]]:
    raw = source.archive.read_bytes()
    lines = raw.splitlines(keepends=True)
    header = json.loads(lines[0])

    def write(name: str, data: bytes) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    def dangling(rows: list[dict]) -> list[dict]:  # a delivery of a webhook that is not there
        return [r for r in rows if r["table"] != "webhooks"]

    def altered_row(rows: list[dict]) -> list[dict]:
        return [{**r, "row": {**r["row"], "waited_minutes": "twelve"}} if r["table"] == "experiences" else r
                for r in rows]

    altered = raw.replace("个人及企业银行服务".encode(), "个人及企业银行服饰".encode())
    assert altered != raw
    return {
        "no end line": (write("cut.jsonl", b"".join(lines[:-1])), "truncated"),
        "cut mid-table": (write("half.jsonl", b"".join(lines[:len(lines) // 2])), "truncated"),
        "cut mid-line": (write("mid.jsonl", raw[:-40]), "cut short"),
        "not JSON": (write("garbled.jsonl", b"".join([*lines[:5], b"{\"table\": \"enterprises\", \x00\n",
                                                      *lines[5:]])), "not JSON"),
        "altered value": (write("altered.jsonl", altered), "altered"),
        "wrong type": (_rewritten(source.archive, folder / "typed.jsonl", altered_row), "expected int"),
        "refused by the database": (_rewritten(source.archive, folder / "fk.jsonl", dangling),
                                    "refused webhook_deliveries rows"),
        "other revision": (write("rev.jsonl", json.dumps({**header, "alembic_revision": "0005"}).encode()
                                 + b"\n" + b"".join(lines[1:])), "revision 0005"),
        "other version": (write("v2.jsonl", json.dumps({**header, "version": 2}).encode() + b"\n"
                                + b"".join(lines[1:])), "version 2"),
    }


def test_a_cut_short_altered_or_foreign_archive_is_refused_and_writes_nothing(source, target, tmp_path):
    empty = _rows_in_every_table(target)
    assert not any(empty.values())
    for case, (path, message) in _fault_cases(source, tmp_path).items():
        result = cli(target, "directory", "import", str(path))
        assert result.exit_code != 0, case
        assert message in result.output and "nothing was imported" in result.output, (case, result.output)
        assert _rows_in_every_table(target) == empty, case
    assert cli(target, "directory", "import", str(source.archive)).exit_code == 0  # the good one


def test_export_to_standard_output_and_the_bundled_import_still_works(source, target, tmp_path):
    streamed = cli(source.app, "directory", "export")
    assert streamed.exit_code == 0
    path = tmp_path / "stdout.jsonl"
    path.write_bytes(streamed.stdout_bytes)
    _same_archives(source.archive, path)
    bundled = cli(target, "directory", "import", str(BUNDLED_DATA))
    assert bundled.exit_code == 0, bundled.output
    assert f"enterprises: {{'created': {BUNDLED_LISTINGS}" in bundled.output
    assert "not empty" in cli(target, "directory", "import", str(path)).output


@pytest.mark.postgres
def test_an_archive_moves_between_sqlite_and_postgresql(request, source, tmp_path):
    other = "postgresql" if source.backend == "sqlite" else "sqlite"
    for app in _target(request, other, tmp_path):
        result = cli(app, "directory", "import", str(source.archive))
        assert result.exit_code == 0, result.output
        _same_archives(source.archive, _export(app, tmp_path / "moved.jsonl"))
        assert ICBC in [i["id"] for i in _ok(app.test_client().get("/v1/search?q=icbc"))["items"]]
