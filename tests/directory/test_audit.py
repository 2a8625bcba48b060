"""`flask directory audit`: the coverage table, over a small data folder and the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from api import create_app
from api.config import Config
from directory.audit import coverage
from tests.factories import enterprise, write_data

SOURCE = "name-suggestion-index:wikidata.json#Q37158"


def records() -> list[dict]:
    """Three listings: one reachable by phone (with a sender), one on Weibo and WeChat sharing
    its Wikidata id and number with a third that has no contact channel."""
    bank = enterprise("ent_000000000001", channels=[
        {"kind": "phone", "value": "95588", "source": "test:icbc", "to_person": "0",
         "hours": {"timezone": "Asia/Shanghai", "always_open": True},
         "menu": [{"intent": "信用卡", "keys": "2"}]},
        {"kind": "sms", "value": "1065502010095588", "direction": "outbound_only",
         "source": "test:icbc"}])
    coffee = enterprise("ent_000000000002", names={"zh-Hans": None, "zh-Hant": None,
                                                   "en": "Starbucks"},
                        domains=["starbucks.com"], wikidata="Q37158", source=[SOURCE], channels=[
        {"kind": "social", "value": "https://weibo.com/starbucks", "platform": "weibo",
         "source": SOURCE},
        {"kind": "wechat", "value": "starbucks_china", "source": SOURCE},
        {"kind": "phone", "value": "4008206998", "source": SOURCE}])
    copy = enterprise("ent_000000000003", names={"zh-Hans": None, "zh-Hant": None,
                                                 "en": "Starbucks [JP]"},
                      domains=["starbucks.com"], wikidata="Q37158", source=[SOURCE], channels=[
        {"kind": "phone", "value": "4008206998", "direction": "outbound_only", "source": SOURCE}])
    return [bank, coffee, copy]


def test_the_table_counts_listings_channels_sources_senders_and_duplicates() -> None:
    table = coverage(records())
    got = {row.what: (row.listings, row.channels) for row in table.rows}
    assert got["listings"] == (3, 6)
    assert got["with a contact channel"] == (2, 4)
    assert got["without a contact channel"] == (1, None)
    assert got["contact by phone"] == (2, 2)
    assert got["contact by sms"] == (0, 0)
    assert got["social on weibo"] == (1, 1)
    assert got["on Weibo or WeChat"] == (1, 2)
    assert got["with hours"] == got["with a phone menu"] == got["with a way to a person"] == (1, 1)
    assert got["with a Chinese name"] == (1, None)
    assert got["source name-suggestion-index"] == (2, 4)
    assert got["source test"] == (1, 2)
    assert got["suspected senders"] == (2, 2)
    assert table.get("duplicate Wikidata ids").listings == 2
    assert table.get("duplicate domains").detail == "1 shared"
    # the third listing's number is a sender's: not a contact number another listing shares
    assert table.get("duplicate contact numbers").listings == 0


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The audit's output over the data folder, and over the database it was imported into."""
    folder = tmp_path_factory.mktemp("audit")
    data = write_data(folder / "data", records())
    app = create_app(Config.from_env(data_dir=folder / "var", database_url="", testing=True))
    runner = app.test_cli_runner()
    for command in (["db", "upgrade"], ["directory", "import", str(data)]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    of_data = runner.invoke(args=["directory", "audit", "--data", str(data)])
    of_database = runner.invoke(args=["directory", "audit"])
    app.extensions["c800"].engine.dispose()
    assert of_data.exit_code == 0 and of_database.exit_code == 0, of_data.output
    return of_data.output, of_database.output


def test_the_command_prints_a_markdown_table(audited: tuple[str, str]) -> None:
    lines = audited[0].splitlines()
    assert lines[:2] == ["| | listings | channels | |", "|---|---:|---:|---|"]
    assert "| with a contact channel | 2 | 4 |  |" in lines
    assert "| duplicate Wikidata ids | 2 |  | 1 shared |" in lines


def test_the_database_gives_the_table_of_what_was_imported(audited: tuple[str, str]) -> None:
    of_data, of_database = audited
    assert of_database == of_data


def test_a_missing_data_path_is_refused(tmp_path: Path) -> None:
    app = create_app(Config.from_env(data_dir=tmp_path / "var", database_url="", testing=True))
    result = app.test_cli_runner().invoke(args=["directory", "audit", "--data",
                                                str(tmp_path / "nowhere")])
    app.extensions["c800"].engine.dispose()
    assert result.exit_code != 0 and "does not exist" in result.output
