"""The report's HTML: self-contained, escaped, only its own script allowed; written in one rename; the previous one."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import jinja2
import pytest

from pipeline.dataset.current import CURRENT, read_current
from pipeline.dataset.snapshot import LATEST, SNAPSHOTS, read_latest
from pipeline.report.html import (
    REPORT,
    find_previous,
    load_report_templates,
    render_report,
    write_report,
    write_run_report,
)
from tests.builders import RESULTS, make_result, publish
from tests.report.conftest import HOSTILE_NAME, HOSTILE_TITLE


class Page(HTMLParser):
    """The parts of a page the tests look at: tags, the text of each td by class, scripts, the CSP."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.cells: dict[str, list[str]] = {}
        self.scripts: list[str] = []
        self._open: tuple[str, list[str]] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "td":
            self._open = (dict(attrs).get("class") or "", [])
        elif tag == "script":
            self._open = ("<script>", [])

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag in {"td", "script"}:
            kind, parts = self._open
            (self.scripts if tag == "script" else self.cells.setdefault(kind, [])).append("".join(parts))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[1].append(data)

    def attribute(self, tag: str, name: str) -> list[str]:
        return [attrs[name] for t, attrs in self.tags if t == tag and attrs.get(name) is not None]


def latest_folder(out: Path) -> Path:
    return out / SNAPSHOTS / read_latest(out)


def test_the_page_needs_nothing_from_elsewhere(hostile_out: Path) -> None:
    html = render_report(latest_folder(hostile_out), sources="../src")
    page = Page(html)
    assert not re.search(r"(?i)https?:|//[a-z]|@import|url\(", html)
    assert {t for t, _ in page.tags} >= {"svg", "rect", "table", "style", "script"}
    assert not {t for t, _ in page.tags} & {"link", "img", "iframe", "object", "embed", "base"}
    assert page.attribute("script", "src") == [] and len(page.scripts) == 1
    assert all(href.startswith(("#", "../src/")) for href in page.attribute("a", "href"))


def test_the_policy_lets_only_the_page_s_own_script_run(hostile_out: Path) -> None:
    page = Page(render_report(latest_folder(hostile_out)))
    metas = [a for t, a in page.tags if t == "meta"]
    policy = next(a["content"] for a in metas if a.get("http-equiv") == "Content-Security-Policy")
    digest = base64.b64encode(hashlib.sha256(page.scripts[0].encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy and "default-src 'none'" in policy
    assert "connect-src" not in policy  # default-src 'none' covers fetches


def test_hostile_texts_are_text(hostile_out: Path) -> None:
    html = render_report(latest_folder(hostile_out))
    page = Page(html)
    assert HOSTILE_TITLE in page.cells["title"]  # the application's and the document's title, as they are
    assert page.cells["title"].count(HOSTILE_TITLE) == 2
    assert any(cell.startswith(HOSTILE_TITLE) for cell in page.cells["message"])
    assert f"{HOSTILE_NAME}.pdf" in page.cells[""]
    assert HOSTILE_TITLE in page.cells[""]  # the applicant's cell
    warnings = re.search(r'<ul id="warnings-list">(.*?)</ul>', html, re.S).group(1)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in warnings and "<script" not in warnings
    assert len(page.scripts) == 1 and not [t for t, _ in page.tags if t in {"img", "b"}]
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\u202e" in html  # shown, not dropped; the style isolates each cell's direction


def test_every_chart_is_an_svg_of_labelled_bars(hostile_out: Path) -> None:
    html = render_report(latest_folder(hostile_out))
    figures = re.findall(r'<figure class="chart" id="chart-(\w+)">(.*?)</figure>', html, re.S)
    assert [key for key, _ in figures] == ["province", "municipality", "theme", "status", "budget", "month"]
    for key, body in figures:
        bars = re.findall(r'<rect x="\d+" y="[\d.]+" width="([\d.]+)"', body)
        labels = re.findall(r'<text class="label"[^>]*>([^<]+)</text>', body)
        values = re.findall(r'<text class="value"[^>]*>([^<]+)</text>', body)
        assert bars and len(bars) == len(labels) == len(values), key
        assert max(map(float, bars)) > 0


def test_first_snapshot_and_what_changed(tmp_path: Path) -> None:
    first = publish(RESULTS, tmp_path)
    assert find_previous(tmp_path, Path(first.path)) is None
    assert 'id="first-snapshot"' in render_report(Path(first.path))
    second = publish((*RESULTS, make_result("d", 2)), tmp_path)
    html = render_report(Path(second.path), Path(first.path))
    assert f"Since snapshot <code>{first.snapshot_id}</code>" in html and 'id="first-snapshot"' not in html
    assert re.search(r"<td>applications</td><td class=\"number\">2</td><td class=\"number\">0</td>", html)


def test_the_previous_snapshot_is_the_one_written_before(tmp_path: Path) -> None:
    a = Path(publish(RESULTS[:1], tmp_path).path)
    b = Path(publish(RESULTS[:2], tmp_path).path)
    c = Path(publish(RESULTS, tmp_path).path)
    for age, folder in enumerate((c, b, a)):  # a oldest
        os.utime(folder / "manifest.json", (1e9 - age * 1000, 1e9 - age * 1000))
    assert [find_previous(tmp_path, f) for f in (a, b, c)] == [None, a, b]
    publish(RESULTS[:1], tmp_path)  # LATEST names a again: its folder is reused, it is the newest now
    assert read_latest(tmp_path) == a.name and find_previous(tmp_path, a) == c


def test_write_report_replaces_one_file_and_links_from_where_it_is(hostile_out: Path, tmp_path: Path) -> None:
    sources = tmp_path / "src"
    sources.mkdir()
    written = write_report(hostile_out, sources=sources)
    assert written == hostile_out / REPORT
    hrefs = Page(written.read_text(encoding="utf-8")).attribute("a", "href")
    pdfs = [h for h in hrefs if not h.startswith("#")]
    assert pdfs and all(h.startswith("../src/") for h in pdfs)
    at_pages = [h for h in pdfs if "#page=" in h]
    assert len(at_pages) == 5 + 2 and all(re.search(r"\.pdf#page=\d+$", h) for h in at_pages)  # rows, documents
    assert (written.parent / unquote(pdfs[0].split("#")[0])).resolve().parent == sources.resolve()
    (tmp_path / "deep").mkdir()
    elsewhere = write_report(hostile_out, read_latest(hostile_out)[:6], sources=sources,
                             target=tmp_path / "deep" / "r.html")
    assert all(h.startswith("../src/") for h in Page(elsewhere.read_text()).attribute("a", "href") if "#page" in h)
    assert list(hostile_out.glob(".*.tmp-*")) == []  # no temporary file left
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        write_report(hostile_out, target=tmp_path / "missing" / "r.html")


def test_the_run_s_report_puts_current_on_latest(hostile_out: Path, tmp_path: Path) -> None:
    (hostile_out / CURRENT).unlink()  # an OUT_DIR from before current/, and a run that found nothing new
    written = write_run_report(str(hostile_out), str(tmp_path))
    assert written == hostile_out / REPORT and read_current(hostile_out) == read_latest(hostile_out)
    written.unlink()
    assert write_run_report("memory://bucket/out", None) is None
    (hostile_out / LATEST).unlink()
    assert write_run_report(str(hostile_out), None) is None


def test_a_run_that_changes_nothing_keeps_the_report_it_finds(tmp_path: Path) -> None:
    out, sources = tmp_path / "out", tmp_path / "src"
    sources.mkdir()
    first = publish(RESULTS[:1], out)
    made = write_run_report(str(out), str(sources))
    inode = made.stat().st_ino  # a page written again is a new file (written, then renamed over it)
    again = write_run_report(str(out), str(sources))  # nothing new: the same page, not written again
    assert again == made and made.stat().st_ino == inode
    write_run_report(str(out), None)  # another link to the sources: another page
    assert made.stat().st_ino != inode
    second = publish(RESULTS, out)
    write_run_report(str(out), None)
    assert second.snapshot_id in made.read_text(encoding="utf-8")
    write_report(out, first.snapshot_id)  # `parlq report --snapshot`: report.html shows the older one now
    write_run_report(str(out), None)  # so the next run writes LATEST's page again
    assert f"parlq snapshot {second.snapshot_id}" in made.read_text(encoding="utf-8")


def test_templates_compiled_ahead_are_the_ones_the_report_renders_with(
    hostile_out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_report_templates()  # as a run does while its documents are processed
    compiled: list[str | None] = []
    compile_source = jinja2.Environment.compile

    def counting(
        self: jinja2.Environment, source: str, name: str | None = None, *args: object, **kwargs: object
    ) -> object:
        compiled.append(name)
        return compile_source(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    assert "<svg" in render_report(latest_folder(hostile_out))
    assert compiled == []
