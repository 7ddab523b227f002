"""The pure parts of the fetch: search pages, detail records, file types and paths, the config."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.sources.vlpar.config import FailureKind, FetchConfig, Window
from pipeline.sources.vlpar.details import DetailError, Role, check_id, check_year, parse_detail
from pipeline.sources.vlpar.files import choose_extension, has_magic, read_state, write_state
from pipeline.sources.vlpar.search import build_search_url, count_pages, parse_search_page

WINDOW = Window(dt.date(2021, 11, 1), dt.date(2021, 11, 30))


def _result(opendata: str | None = None, feed: str = "", published: str = "2021-11-05T00:00:00") -> dict:
    tags = [{"name": "publicatiedatum", "value": published}, {"name": "zittingsjaar", "value": "2021-2022"}]
    if opendata:
        tags.append({"name": "opendata", "value": opendata})
    return {"id": feed, "metatags": {"metatag": tags}}


def test_search_pages_give_ids_from_either_place_and_keep_to_the_window() -> None:
    body = {
        "count": "4",
        "result": [
            _result("https://ws.vlpar.be/e/opendata/schv/1593746"),
            _result(feed="http://be.vlp.feed/1593747/pfls/1750123"),
            _result(feed="no id here"),
            _result(feed="http://be.vlp.feed/1/pfls/2", published="2021-12-24T00:00:00"),  # outside
        ],
    }
    page = parse_search_page(body, WINDOW)
    assert [h.id for h in page.hits] == ["1593746", "1593747"] and page.unreadable == 1 and page.count == 4
    assert page.hits[0].zittingsjaar == "2021-2022" and page.hits[0].published == dt.date(2021, 11, 5)
    with pytest.raises(ValueError):
        parse_search_page("<xml/>", WINDOW)


def test_search_urls_and_pages() -> None:
    url = build_search_url("http://h", WINDOW, 2, 100)
    assert url == (
        "http://h/api/search/query/inmeta:publicatiedatum:daterange:2021-11-01..2021-11-30"
        "&requiredfields=aggregaattype:Schriftelijke%20vraag?collection=vp_collection&page=2&max=100&sort=date"
    )
    assert (count_pages(0, 100), count_pages(100, 100), count_pages(101, 100)) == (1, 1, 2)
    assert Window(dt.date(2021, 1, 1), dt.date(2021, 1, 4)).halves() == (
        Window(dt.date(2021, 1, 1), dt.date(2021, 1, 2)),
        Window(dt.date(2021, 1, 3), dt.date(2021, 1, 4)),
    )


def test_details_are_read_and_checked() -> None:
    record = {
        "id": 12,
        "zittingsjaar": {"naam": "2021-2022"},
        "bestand-ordered": [{"URL": "https://d/pfile?id=1"}],
        "bijlage": {"url": "https://d/files/pfile?id=2", "doel": "BIJLAGE", "titel": "Lijst"},
    }
    question = parse_detail(record, "12")
    assert question.zittingsjaar == "2021-2022" and question.record is record
    assert [(f.stem, f.role) for f in question.files] == [("12", Role.DOCUMENT), ("12.bijlage-1", Role.ANNEX)]
    assert parse_detail({"schv": {**record, "zittingsjaar": None}}, "12", "2020-2021").zittingsjaar == "2020-2021"
    for bad, kind in [
        ({**record, "id": 13}, FailureKind.BAD_ID),
        ({**record, "zittingsjaar": "2021/../.."}, FailureKind.BAD_ID),
        ({k: v for k, v in record.items() if k != "bestand-ordered"}, FailureKind.MISSING_FIELD),
        (["not", "an", "object"], FailureKind.NOT_JSON),
    ]:
        with pytest.raises(DetailError) as caught:
            parse_detail(bad, "12")
        assert caught.value.kind == kind


@pytest.mark.parametrize("text", ["../1", "1/2", "", "1e3", " 1", True, None, "١٢"])
def test_ids_are_digits_only(text: object) -> None:
    with pytest.raises(DetailError):
        check_id(text)


def test_years_and_ids_that_pass() -> None:
    assert (check_id(1593746), check_year("2021-2022")) == ("1593746", "2021-2022")


def test_types_come_from_content_type_and_are_checked_by_magic_bytes() -> None:
    assert choose_extension("application/pdf; charset=binary") == "pdf"
    assert choose_extension("text/html") is None
    assert has_magic("pdf", b"%PDF-1.7") and not has_magic("pdf", b"<html>")
    assert has_magic("doc", b"\xd0\xcf\x11\xe0\xa1") and has_magic("rtf", b"{\\rtf1") and has_magic("xlsx", b"PK\x03")


def test_state_round_trip(tmp_path: Path) -> None:
    assert read_state(tmp_path) is None
    write_state(tmp_path, dt.date(2021, 9, 1), dt.date(2021, 9, 30), dt.datetime(2021, 10, 1, tzinfo=dt.UTC))
    assert read_state(tmp_path) == dt.date(2021, 9, 30)


@pytest.mark.parametrize(
    "changes", [{"api_base": "ftp://x"}, {"connections": 5}, {"connections": 0}, {"page_size": 101}, {"max_bytes": 0}]
)
def test_the_config_refuses_bad_settings(tmp_path: Path, changes: dict) -> None:
    with pytest.raises(ValueError):
        FetchConfig(sources_dir=tmp_path, **changes)
