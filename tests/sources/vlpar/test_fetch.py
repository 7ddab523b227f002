"""A window fetched against the local imitation: complete and exact, incremental, and surviving each fault."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.discover.sources import discover_sources
from pipeline.sources.vlpar.config import FailureKind, FetchConfig, Window
from pipeline.sources.vlpar.fetch import FetchSummary, fetch_window
from tests.fixtures.vlpar_server import DOCX, Fault, FaultKind, Item, ServedFile, VlparServer

WINDOW = Window(dt.date(2021, 9, 1), dt.date(2021, 9, 30))
YEAR = "2021-2022"


def _add(server: VlparServer, pdf_bodies: list[bytes], count: int = 3) -> list[Item]:
    return [
        server.add(
            Item(
                id=1593740 + n,
                published=dt.date(2021, 9, 3 + 5 * n),
                year=YEAR,
                files=[ServedFile(1750120 + n, pdf_bodies[n % len(pdf_bodies)], old_form=n % 2 == 1)],
            )
        )
        for n in range(count)
    ]


def _sidecar(config: FetchConfig, item_id: int) -> dict:
    return json.loads((config.vlpar_dir / YEAR / f"{item_id}.json").read_text(encoding="utf-8"))


def _kinds(summary: FetchSummary) -> dict[str, FailureKind]:
    return {f.item: f.kind for f in summary.failures}


def test_a_window_is_fetched_completely_and_exactly(config: FetchConfig, vlpar: VlparServer, pdf_bodies) -> None:
    items = _add(vlpar, pdf_bodies)
    summary = fetch_window(config, WINDOW)
    assert (summary.found, summary.questions, summary.downloaded, summary.failures) == (3, 3, 3, ())
    for item in items:
        path = config.vlpar_dir / YEAR / f"{item.id}.pdf"
        assert path.read_bytes() == item.files[0].body
        sidecar = _sidecar(config, item.id)
        (entry,) = sidecar["files"]
        assert entry["sha256"] == item.files[0].sha256 and entry["etag"] == item.files[0].etag
        assert entry["last_modified"] and entry["url"] == vlpar.base + item.files[0].path
        assert sidecar["detail"]["extra-veld"] == "servers add fields"  # the record as received
    assert json.loads((config.vlpar_dir / "state.json").read_text())["until"] == "2021-09-30"
    assert not list(config.vlpar_dir.rglob("*.part"))
    assert config.user_agent == "parlq/test"
    assert replace(config, contact="data@example.org").user_agent == "parlq/test (+data@example.org)"


def test_a_rerun_downloads_nothing(config: FetchConfig, vlpar: VlparServer, pdf_bodies) -> None:
    _add(vlpar, pdf_bodies)
    fetch_window(config, WINDOW)
    before = {p: p.stat().st_mtime_ns for p in config.vlpar_dir.rglob("*.pdf")}
    vlpar.requests.clear()
    summary = fetch_window(config, WINDOW)
    assert (summary.downloaded, summary.unchanged, summary.failures) == (0, 3, ())
    assert not vlpar.file_requests(200) and len(vlpar.file_requests(304)) == 3  # conditional GETs
    assert {p: p.stat().st_mtime_ns for p in config.vlpar_dir.rglob("*.pdf")} == before


def test_a_changed_file_is_downloaded_again(config: FetchConfig, vlpar: VlparServer, pdf_bodies) -> None:
    (item, *_) = _add(vlpar, pdf_bodies)
    fetch_window(config, WINDOW)
    item.files[0].body = pdf_bodies[2]
    summary = fetch_window(config, WINDOW)
    assert (summary.downloaded, summary.unchanged) == (1, 2)
    assert (config.vlpar_dir / YEAR / f"{item.id}.pdf").read_bytes() == pdf_bodies[2]


def test_429_and_503_are_waited_out(config: FetchConfig, vlpar: VlparServer, pdf_bodies, waits) -> None:
    items = _add(vlpar, pdf_bodies)
    vlpar.fail(f"/e/opendata/schv/{items[0].id}", Fault(FaultKind.STATUS, 429, (("Retry-After", "7"),)))
    http_date = "Wed, 21 Oct 2015 07:28:00 GMT"  # in the past: no wait
    vlpar.fail(items[1].files[0].path, Fault(FaultKind.STATUS, 503, (("Retry-After", http_date),)))
    vlpar.fail(items[2].files[0].path, Fault(FaultKind.STATUS, 503))
    summary = fetch_window(config, WINDOW)
    assert (summary.questions, summary.failures) == (3, ())
    assert 7.0 in waits
    assert [r.status for r in vlpar.requests if r.path == items[2].files[0].path] == [503, 200]


def test_a_retry_after_in_the_future_as_a_date_is_waited(config: FetchConfig, vlpar, pdf_bodies, waits) -> None:
    items = _add(vlpar, pdf_bodies, 1)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120)
    header = ("Retry-After", later.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    vlpar.fail(items[0].files[0].path, Fault(FaultKind.STATUS, 429, (header,)))
    assert not fetch_window(config, WINDOW).failures
    assert any(100 < w <= 120 for w in waits)


def test_a_truncated_body_and_a_reset_are_retried(config: FetchConfig, vlpar: VlparServer, pdf_bodies) -> None:
    items = _add(vlpar, pdf_bodies)
    vlpar.fail(items[0].files[0].path, Fault(FaultKind.TRUNCATE))
    vlpar.fail(items[1].files[0].path, Fault(FaultKind.RESET))
    vlpar.fail(f"/e/opendata/schv/{items[2].id}", Fault(FaultKind.RESET))
    summary = fetch_window(config, WINDOW)
    assert (summary.questions, summary.failures) == (3, ())
    for item in items:
        assert (config.vlpar_dir / YEAR / f"{item.id}.pdf").read_bytes() == item.files[0].body


def test_faults_that_last_become_failures_and_the_rest_goes_on(config, vlpar: VlparServer, pdf_bodies) -> None:
    items = _add(vlpar, pdf_bodies)
    vlpar.fail(items[0].files[0].path, *[Fault(FaultKind.TRUNCATE)] * 4)
    vlpar.fail(items[1].files[0].path, *[Fault(FaultKind.STATUS, 500)] * 4)
    summary = fetch_window(config, WINDOW)
    assert _kinds(summary) == {str(items[0].id): FailureKind.TRUNCATED, str(items[1].id): FailureKind.HTTP_STATUS}
    assert summary.questions == 1 and not (config.vlpar_dir / "state.json").exists()
    assert not list(config.vlpar_dir.rglob(".*.part"))  # nothing half-written under any name
    assert not (config.vlpar_dir / YEAR / f"{items[0].id}.pdf").exists()


def test_a_detail_in_xml_or_without_a_field_is_a_clear_failure(config, vlpar: VlparServer, pdf_bodies) -> None:
    items = _add(vlpar, pdf_bodies)
    items[0].raw_detail = ("application/xml", b"<?xml version='1.0'?><schv><id>1</id></schv>")
    items[1].detail = {k: v for k, v in vlpar.detail(items[1]).items() if k != "bestand-ordered"}
    summary = fetch_window(config, WINDOW)
    assert _kinds(summary) == {str(items[0].id): FailureKind.NOT_JSON, str(items[1].id): FailureKind.MISSING_FIELD}
    assert "xml" in summary.failures[0].message and summary.questions == 1


def test_a_full_window_is_split_until_each_part_is_under_the_limit(config, vlpar: VlparServer, pdf_bodies) -> None:
    items = _add(vlpar, pdf_bodies)
    vlpar.count_for = lambda since, until: 10_000 if (until - since).days >= 7 else None
    summary = fetch_window(config, WINDOW)
    assert (summary.found, summary.failures) == (3, ())
    windows = [r.path for r in vlpar.requests if "search" in r.path]
    assert len(windows) > 4 and all((config.vlpar_dir / YEAR / f"{i.id}.pdf").exists() for i in items)


def test_one_day_over_the_limit_is_a_failure(config: FetchConfig, vlpar: VlparServer) -> None:
    vlpar.count_for = lambda since, until: 10_000
    summary = fetch_window(config, Window(dt.date(2021, 9, 1), dt.date(2021, 9, 4)))
    assert set(_kinds(summary).values()) == {FailureKind.WINDOW_TOO_FULL} and len(summary.failures) == 4


def test_paging(config: FetchConfig, vlpar: VlparServer, pdf_bodies) -> None:
    _add(vlpar, pdf_bodies, 5)
    summary = fetch_window(dataclasses.replace(config, page_size=2), WINDOW)
    assert summary.found == 5 and not summary.failures


def test_a_docx_and_an_annex(config: FetchConfig, vlpar: VlparServer, pdf_bodies, docx_body, tmp_path) -> None:
    items = _add(vlpar, pdf_bodies, 2)
    items[0].files = [ServedFile(1, docx_body, DOCX)]
    items[1].annexes = [ServedFile(2, pdf_bodies[2], old_form=True)]
    summary = fetch_window(config, WINDOW)
    assert not summary.failures
    folder = config.vlpar_dir / YEAR
    assert (folder / f"{items[0].id}.docx").read_bytes() == docx_body
    assert (folder / f"{items[1].id}.bijlage-1.pdf").read_bytes() == pdf_bodies[2]
    roles = [(e["name"], e["role"]) for e in _sidecar(config, items[1].id)["files"]]
    assert roles == [(f"{items[1].id}.pdf", "document"), (f"{items[1].id}.bijlage-1.pdf", "bijlage")]
    found = discover_sources(config.sources_dir)
    assert [s.path for s in found.sources] == [f"vlpar/{YEAR}/{items[1].id}.pdf"]  # no annex, no docx


def test_untrusted_answers_never_become_files(config: FetchConfig, vlpar: VlparServer, pdf_bodies) -> None:
    items = _add(vlpar, pdf_bodies, 3)
    items[0].files[0].body = b"<html><body>Service unavailable</body></html>"  # served as application/pdf
    items[1].detail = {**vlpar.detail(items[1]), "zittingsjaar": "../../../escape"}
    items[2].detail = {**vlpar.detail(items[2]), "bestand-ordered": [{"URL": "file:///etc/passwd"}]}
    summary = fetch_window(config, WINDOW)
    assert _kinds(summary) == {
        str(items[0].id): FailureKind.BAD_CONTENT,
        str(items[1].id): FailureKind.BAD_ID,
        str(items[2].id): FailureKind.BAD_URL,
    }
    written = [p for p in config.sources_dir.parent.rglob("*") if p.is_file()]
    assert all(config.vlpar_dir in p.parents for p in written)
    assert not list(config.vlpar_dir.rglob("*.pdf"))


def test_a_download_over_the_limit_is_cut_off(config: FetchConfig, vlpar: VlparServer, pdf_bodies) -> None:
    _add(vlpar, pdf_bodies, 1)
    summary = fetch_window(dataclasses.replace(config, max_bytes=1000), WINDOW)
    assert set(_kinds(summary).values()) == {FailureKind.TOO_LARGE}
    assert not [p for p in config.vlpar_dir.rglob("*") if p.suffix in (".pdf", ".part")]


@pytest.mark.parametrize("kind", [FaultKind.RESET, FaultKind.TRUNCATE])
def test_search_faults_are_retried(config: FetchConfig, vlpar: VlparServer, pdf_bodies, kind) -> None:
    _add(vlpar, pdf_bodies, 1)
    vlpar.fail(_first_search_path(config), Fault(kind))
    assert not fetch_window(config, WINDOW).failures


def _first_search_path(config: FetchConfig) -> str:
    from pipeline.sources.vlpar.search import build_search_url

    url = build_search_url(config.api_base, WINDOW, 1, config.page_size)
    return url[len(config.api_base) :]


def test_sidecar_paths_stay_inside(tmp_path: Path) -> None:
    assert FetchConfig(sources_dir=tmp_path).vlpar_dir == tmp_path / "vlpar"
