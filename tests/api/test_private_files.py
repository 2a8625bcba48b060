"""What the app writes under DATA_DIR is its user's alone: the SQLite database and its -wal and
-shm files, the search index, the session key, the response-cache stamp and the mail outbox
are 0600, their directories 0700 -- checked with os.stat on a fresh DATA_DIR set up as
`make run` does (db upgrade, search index, serving, a mail sent)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from api import create_app
from api.config import Config
from directory.mail import compose, send


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask of a shell (0o022), as before the app sets its own; restored after."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _modes(folder: Path) -> dict[str, int]:
    return {str(path.relative_to(folder)): stat.S_IMODE(path.stat().st_mode)
            for path in [folder, *folder.rglob("*")]}


def test_a_fresh_data_dir_is_private(open_umask, tmp_path):
    data_dir = tmp_path / "var"
    app = create_app(Config.from_env(data_dir=data_dir, database_url="", testing=True))
    runner = app.test_cli_runner()
    for command in (["db", "upgrade"], ["search", "reindex", "--quiet"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    client = app.test_client()
    assert client.get("/v1/enterprises").status_code == 200
    send(compose("c800 <no-reply@c800.localhost>", "ada@example.com", "Claim", "A link"),
         mail_dir=data_dir / "mail")
    modes = _modes(data_dir)
    app.extensions["c800"].engine.dispose()
    names = set(modes)
    for expected in ("c800.sqlite3", "secret_key", "response-cache.stamp", "mail",
                     "search.sqlite3"):
        assert expected in names, sorted(names)
    assert any(name.endswith("-wal") for name in names), sorted(names)
    assert any(name.startswith("mail/") and name.endswith(".eml") for name in names)
    open_to_others = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
    assert not open_to_others
    assert all(modes[name] == 0o700 for name in modes if (data_dir / name).is_dir()
               ) and modes["."] == 0o700
