"""The report's content: read from a snapshot folder, links percent-encoded, changes from the diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.dataset.snapshot import SNAPSHOTS, read_latest
from pipeline.report.charts import MISSING
from pipeline.report.html import find_previous
from pipeline.report.page import build_page, compare_snapshots, link_source
from tests.report.conftest import HOSTILE_NAME, HOSTILE_TITLE


def latest_folder(out: Path) -> Path:
    return out / SNAPSHOTS / read_latest(out)


def test_the_page_holds_the_snapshot_its_rows_and_its_failures(hostile_out: Path) -> None:
    page = build_page(latest_folder(hostile_out))
    facts = page.facts
    assert facts.snapshot_id == read_latest(hostile_out) and facts.code_version == "0.1.0+test"
    assert dict(facts.counts) == {"application_themes": 8, "applications": 5, "application_municipalities": 5,
                                  "documents": 2, "failures": 1, "sections": 4}
    assert [i.link.path for i in facts.inputs] == ["a.pdf", "broken.pdf", f"{HOSTILE_NAME}.pdf"]
    assert facts.question_dates == "2021-10-01 to 2021-10-01"
    evil = next(a for a in page.applications if a.title == HOSTILE_TITLE)
    assert (evil.source.path, evil.source.href, evil.themes, evil.pages) == (f"{HOSTILE_NAME}.pdf", None, "", "1–2")
    first = page.applications[0]
    assert (first.municipality, first.nis_code, first.province, first.neighbourhoods, first.budget_text) == (
        "Antwerpen", "11002", "Antwerpen", "Wijk 1", "€ 100,000")
    assert [(f.source_file, f.stage, f.error) for f in page.failures] == [("broken.pdf", "read", "encrypted")]
    assert page.failures[0].message.startswith(HOSTILE_TITLE)  # kept as it is: the template escapes it
    assert {d.source.path for d in page.documents} == {"a.pdf", f"{HOSTILE_NAME}.pdf"}


def test_charts_count_every_application(hostile_out: Path) -> None:
    charts = {c.key: c for c in build_page(latest_folder(hostile_out)).charts}
    assert list(charts) == ["province", "municipality", "theme", "status", "budget", "month"]
    assert sum(b.value for b in charts["province"].bars) == 5 == sum(b.value for b in charts["month"].bars)
    assert [(b.label, b.value) for b in charts["theme"].bars] == [("veiligheid", 4), ("wonen", 4), (MISSING, 1)]
    assert charts["budget"].bars[0].text.startswith("€ ")
    assert charts["budget"].note == "5 of 5 applications name a budget"


def test_rows_link_to_their_pdf_at_their_page(hostile_out: Path) -> None:
    page = build_page(latest_folder(hostile_out), sources="../src")
    hrefs = {a.source.href for a in page.applications if a.source.path == "a.pdf"}
    assert hrefs == {"../src/a.pdf#page=1"}
    evil = next(a for a in page.applications if a.title == HOSTILE_TITLE)
    assert evil.source.href == "../src/evil%20%22%3Cb%3E%E2%80%AE%20%26%20%27co%27.pdf#page=1"


@pytest.mark.parametrize(
    ("path", "sources", "href"),
    [
        ("a.pdf", ".", "a.pdf#page=3"),
        ("sub map/vraag\nmet #?.pdf", "../src", "../src/sub%20map/vraag%0Amet%20%23%3F.pdf#page=3"),
        ("javascript:alert(1).pdf", ".", "javascript%3Aalert%281%29.pdf#page=3"),  # never a scheme
        ("//host/x.pdf", ".", "host/x.pdf#page=3"),  # never another host
        ("a.pdf", "//host/share", "/host/share/a.pdf#page=3"),
        ("vraag é 日本.pdf", "../../bron", "../../bron/vraag%20%C3%A9%20%E6%97%A5%E6%9C%AC.pdf#page=3"),
    ],
)
def test_links_are_relative_and_percent_encoded(path: str, sources: str, href: str) -> None:
    assert link_source(path, sources, 3).href == href
    assert link_source(path, None, 3).href is None and link_source(path, None, 3).path == path


def test_changes_since_the_previous_snapshot(hostile_out: Path) -> None:
    folder = latest_folder(hostile_out)
    previous = find_previous(hostile_out, folder)
    assert previous is not None and previous != folder
    changes = compare_snapshots(previous, folder)
    counts = {t.table: (t.added, t.removed, t.changed) for t in changes.tables}
    assert changes.previous_id == previous.name
    assert counts["documents"] == (1, 0, 0) and counts["applications"] == (2, 0, 0)
    assert {r.label for t in changes.tables if t.table == "applications" for r in t.rows} >= {
        f"Antwerpen | {HOSTILE_TITLE}"}
    assert compare_snapshots(None, folder).previous_id is None  # the first snapshot
