"""The importer validates every record, reports file/line/field, and writes all or nothing."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from directory.importer import DirectoryImportError, import_directory
from directory.models import Channel, Enterprise, Industry
from tests.factories import enterprise, write_data

BACKENDS = pytest.mark.parametrize("fresh_database", ["sqlite", "postgresql"], indirect=True)

def counts(session) -> tuple[int, int, int]:
    return (session.scalar(select(func.count()).select_from(Industry)),
            session.scalar(select(func.count()).select_from(Enterprise)),
            session.scalar(select(func.count()).select_from(Channel)))


@BACKENDS
def test_import_writes_records_and_a_second_run_changes_nothing(session_factory, tmp_path):
    data = write_data(tmp_path / "data", [enterprise(), enterprise("ent_000000000002",
                                                                     names={"en": "Other"})])
    with session_factory() as session:
        report = import_directory(session, data)
        session.commit()
    assert report.enterprises == {"created": 2, "updated": 0, "unchanged": 0, "kept": 0}
    assert report.industries == {"created": 2, "updated": 0, "unchanged": 0}
    with session_factory() as session:
        icbc = session.get(Enterprise, "ent_000000000001")
        stamp, version = icbc.updated_at, icbc.version
        assert icbc.names()["zh-Hant"] == "中國工商銀行"
        assert icbc.regions == ["CN"]
        assert [c.value for c in icbc.channels] == ["95588", "webmaster@icbc.com.cn"]
        before = counts(session)
    with session_factory() as session:
        again = import_directory(session, data)
        session.commit()
    assert not again.changed
    assert again.enterprises == {"created": 0, "updated": 0, "unchanged": 2, "kept": 0}
    with session_factory() as session:
        icbc = session.get(Enterprise, "ent_000000000001")
        assert (icbc.updated_at, icbc.version) == (stamp, version)
        assert counts(session) == before


@BACKENDS
def test_changed_record_is_updated_with_a_new_version(session_factory, tmp_path):
    with session_factory() as session:
        import_directory(session, write_data(tmp_path / "a", [enterprise()]))
        session.commit()
    changed = enterprise()
    changed["channels"] = [changed["channels"][0] | {"label": "客服热线"}]
    with session_factory() as session:
        report = import_directory(session, write_data(tmp_path / "b", [changed]))
        session.commit()
    assert report.enterprises["updated"] == 1
    with session_factory() as session:
        icbc = session.get(Enterprise, "ent_000000000001")
        assert icbc.version == 2
        assert [(c.value, c.label) for c in icbc.channels] == [("95588", "客服热线")]


@BACKENDS
def test_one_bad_record_means_nothing_is_written(session_factory, tmp_path):
    good = enterprise()
    bad = enterprise("ent_000000000002")
    bad["channels"] = [{"kind": "webchat", "value": "javascript:alert(1)", "source": "t"}]
    data = write_data(tmp_path / "data", [good, bad])
    with session_factory() as session, pytest.raises(DirectoryImportError) as caught:
        import_directory(session, data)
    errors = caught.value.errors
    assert len(errors) == 1
    assert errors[0].file.endswith("enterprises.jsonl")
    assert errors[0].line == 2
    assert errors[0].field == "channels.0.value"
    assert "https://" in errors[0].message
    with session_factory() as session:
        assert counts(session) == (0, 0, 0)


def _errors_for(session_factory, tmp_path, record) -> list[str]:
    data = write_data(tmp_path / "data", [record])
    with session_factory() as session, pytest.raises(DirectoryImportError) as caught:
        import_directory(session, data)
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize(("change", "field"), [
    ({"id": "Bad Id!"}, "id"),
    ({"names": {"zh-Hans": None, "zh-Hant": None, "en": None}}, "names"),
    ({"names": {"fr": "Banque"}}, "names.fr"),
    ({"industry": "no-such-industry"}, "industry"),
    ({"website": "javascript:alert(1)"}, "website"),
    ({"website": "https://user:pw@icbc.com.cn/"}, "website"),
    ({"website": "https://127.0.0.1/"}, "website"),
    ({"website": "//icbc.com.cn/"}, "website"),
    ({"regions": ["China"]}, "regions.0"),
    ({"status": "deleted"}, "status"),
    ({"source": []}, "source"),
    ({"surprise": 1}, "surprise"),
    ({"channels": [{"kind": "fax", "value": "1", "source": "t"}]}, "channels.0.kind"),
    ({"channels": [{"kind": "phone", "value": "955-88", "source": "t"}]}, "channels.0.value"),
    ({"channels": [{"kind": "phone", "value": "call us", "source": "t"}]}, "channels.0.value"),
    ({"channels": [{"kind": "email", "value": "not-an-address", "source": "t"}]},
     "channels.0.value"),
    ({"channels": [{"kind": "web_form", "value": "data:text/html,hi", "source": "t"}]},
     "channels.0.value"),
    ({"channels": [{"kind": "phone", "value": "95588", "source": "t",
                    "direction": "sideways"}]}, "channels.0.direction"),
    ({"channels": [{"kind": "phone", "value": "95588", "source": "t",
                    "hours": {"weekly": {"funday": []}}}]}, "channels.0.hours"),
    ({"channels": [{"kind": "phone", "value": "95588"}]}, "channels.0.source"),
    ({"channels": [{"kind": "phone", "value": "95588", "source": "t"},
                   {"kind": "phone", "value": "95588", "source": "t"}]}, "channels.1"),
    ({"wikidata": "37158"}, "wikidata"),
    ({"dissolved": "2020-13-01"}, "dissolved"),
    ({"logo": {"url": "https://commons.wikimedia.org/a.svg", "retrieved": "2026-09-18"}},
     "logo.source"),
    ({"logo": {"url": "http://example.com/a.png", "source": "t", "retrieved": "2026-09-18"}},
     "logo.url"),
    ({"channels": [{"kind": "phone", "value": "95588", "source": "t", "platform": "weibo"}]},
     "channels.0.platform"),
    ({"channels": [{"kind": "social", "value": "https://weibo.com/x", "source": "t",
                    "platform": "myspace"}]}, "channels.0.platform"),
    ({"channels": [{"kind": "phone", "value": "95588", "source": "t", "retrieved": "Aug 2026"}]},
     "channels.0.retrieved"),
])
def test_each_invalid_field_is_reported_with_its_path(session_factory, tmp_path, change, field):
    messages = _errors_for(session_factory, tmp_path, enterprise(**change))
    assert any(f"enterprises.jsonl:1: {field}:" in m for m in messages), messages


def test_invalid_json_and_repeated_ids_are_reported(session_factory, tmp_path):
    folder = write_data(tmp_path / "data", [enterprise(), enterprise()])
    with (folder / "enterprises.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    with session_factory() as session, pytest.raises(DirectoryImportError) as caught:
        import_directory(session, folder)
    text = "\n".join(str(e) for e in caught.value.errors)
    assert "enterprises.jsonl:3: invalid JSON" in text
    assert "enterprises.jsonl:2: id: id repeats (first at" in text


def test_hours_are_stored_in_canonical_form(session_factory, tmp_path):
    record = enterprise()
    record["channels"][0]["hours"] = {"weekly": {"tue": [{"open": "09:00", "close": "18:00"}],
                                                 "mon": [{"open": "22:00", "close": "02:00"}]}}
    with session_factory() as session:
        import_directory(session, write_data(tmp_path / "data", [record]))
        session.commit()
    with session_factory() as session:
        hours = session.get(Enterprise, "ent_000000000001").channels[0].hours
    assert hours == {"timezone": "Asia/Shanghai",
                     "weekly": {"mon": [{"open": "22:00", "close": "02:00"}],
                                "tue": [{"open": "09:00", "close": "18:00"}]}}


def test_importing_records_that_are_absent_keeps_existing_ones(session_factory, tmp_path):
    with session_factory() as session:
        import_directory(session, write_data(tmp_path / "a", [enterprise()]))
        session.commit()
    other = copy.deepcopy(enterprise("ent_000000000009"))
    with session_factory() as session:
        import_directory(session, write_data(tmp_path / "b", [other]))
        session.commit()
        assert counts(session)[1] == 2


def test_source_facts_are_imported_and_read_back(session_factory, tmp_path):
    logo = {"url": "https://commons.wikimedia.org/wiki/Special:FilePath/Logo.svg",
            "source": "name-suggestion-index:wikidata.json#Q37158", "retrieved": "2026-09-18"}
    record = enterprise(wikidata="Q37158", logo=logo, dissolved="2020-01-31", channels=[
        {"kind": "social", "value": "https://weibo.com/starbucks", "platform": "weibo",
         "source": "name-suggestion-index:wikidata.json#Q37158", "retrieved": "2026-09-18"},
        {"kind": "wechat", "value": "starbucks_china", "source": "t"}])
    data = write_data(tmp_path / "data", [record])
    with session_factory() as session:
        import_directory(session, data)
        session.commit()
    with session_factory() as session:
        stored = session.get(Enterprise, record["id"])
        assert (stored.wikidata, stored.logo, stored.dissolved) == ("Q37158", logo, "2020-01-31")
        weibo, wechat = stored.channels
        assert (weibo.platform, weibo.retrieved) == ("weibo", "2026-09-18")
        assert (wechat.platform, wechat.retrieved) == (None, None)
        assert not import_directory(session, data).changed  # read back as it was written
