"""The mail outbox: .eml files by default, SMTP to a real (aiosmtpd) server when MAIL_URL says."""

from __future__ import annotations

import email
import email.policy

import pytest
from aiosmtpd.controller import Controller

from directory.mail import MailError, compose, send
from tests.live import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd
        self.messages.append(envelope.content)
        return "250 OK"


def test_without_mail_url_a_message_is_an_eml_file(tmp_path):
    message = compose("c800 <no-reply@c800.test>", "service@icbc.com.cn", "确认认领", "链接：https://x/")
    where = send(message, mail_dir=tmp_path / "mail")
    files = list((tmp_path / "mail").glob("*.eml"))
    assert [str(f) for f in files] == [where]
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "确认认领" and "https://x/" in parsed.get_content()


@pytest.mark.live
def test_with_mail_url_the_message_goes_to_the_smtp_server(tmp_path):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message = compose("c800 <no-reply@c800.test>", "service@icbc.com.cn", "hello", "body text")
        assert send(message, mail_dir=tmp_path, mail_url=f"smtp://127.0.0.1:{port}") == f"127.0.0.1:{port}"
    finally:
        controller.stop()
    assert len(inbox.messages) == 1 and b"body text" in inbox.messages[0]
    assert not list(tmp_path.glob("*.eml"))


def test_an_unreachable_smtp_server_is_a_mail_error(tmp_path):
    message = compose("c800 <no-reply@c800.test>", "a@b.cn", "s", "b")
    with pytest.raises(MailError):
        send(message, mail_dir=tmp_path, mail_url=f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(MailError):
        send(message, mail_dir=tmp_path, mail_url="http://127.0.0.1:25")


@pytest.mark.parametrize("to", ["Mallory <attacker@evil.top>, service@icbc.com.cn",
                                "attacker@evil.top, service@icbc.com.cn", "Mallory <service@icbc.com.cn>",
                                "service@icbc.com.cn\r\nBcc: attacker@evil.top", "x: a@evil.top;"])
def test_a_message_goes_to_one_plain_address_or_is_not_composed(to):
    with pytest.raises(ValueError):
        compose("c800 <no-reply@c800.test>", to, "s", "b")
    message = compose("c800 <no-reply@c800.test>", "service@icbc.com.cn", "s", "b")
    assert [a.addr_spec for a in message["To"].addresses] == ["service@icbc.com.cn"]
