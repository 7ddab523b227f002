"""The report in a real headless Chromium (Selenium and chromedriver), from a snapshot of rendered PDFs.

The page opens from a file: URL with no network: every title is there, the charts are drawn,
the filter and the sorting work, nothing is requested but the file itself, the screenshot is
not blank, and the hostile title stays text. `.ci/run` installs Debian's chromium and
chromium-driver; where neither can be found, these tests skip and say so.
"""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.report.html import write_report
from tests.report.conftest import HOSTILE_PDF_NAME, HOSTILE_PDF_TITLE, RealSnapshot

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

pytestmark = pytest.mark.slow  # a browser start and a pipeline run

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1024")  # fmt: skip
BAR_COLOUR = (0x3D, 0x6F, 0xA8)  # --bar in report.css


def find_browser() -> tuple[str, str] | None:
    """Chromium and its chromedriver on PATH, or None."""
    browsers = [shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")]
    browser = next((path for path in browsers if path), None)
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    found = find_browser()
    if found is None:
        pytest.skip("no Chromium with chromedriver on PATH (apt-get install chromium chromium-driver; .ci/run does)")
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    options.set_capability("unhandledPromptBehavior", "ignore")  # an alert stays open for the test to find
    driver = webdriver.Chrome(service=webdriver.ChromeService(found[1]), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def report(real_snapshot: RealSnapshot) -> Path:
    return write_report(real_snapshot.out, sources=real_snapshot.sources)


@pytest.fixture
def page(browser: webdriver.Chrome, report: Path) -> webdriver.Chrome:
    browser.get_log("performance")  # what earlier tests loaded is not this test's
    browser.get(report.as_uri())
    return browser


def test_every_title_is_rendered_and_the_hostile_one_is_text(page: webdriver.Chrome, real_snapshot: RealSnapshot
                                                             ) -> None:
    shown = page.execute_script(
        "return Array.from(document.querySelectorAll('#applications-table td.title'), td => td.textContent)")
    assert sorted(shown) == sorted(real_snapshot.titles)
    assert HOSTILE_PDF_TITLE in shown
    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert.text  # noqa: B018  (reading it is the check)
    assert page.execute_script("return document.scripts.length") == 1  # the page's own, no other
    assert page.execute_script("return document.querySelectorAll('#applications-table img, main img').length") == 0
    names = page.execute_script("return Array.from(document.querySelectorAll('#documents-table a'), a => a.text)")
    assert HOSTILE_PDF_NAME in names  # quotes, markup and U+202E of the file name, as text
    assert page.execute_script("return document.getElementById('first-snapshot')") is None  # a previous one exists
    problems = [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert problems == []  # no policy violation, no script error


def test_the_charts_are_drawn(page: webdriver.Chrome) -> None:
    charts = page.execute_script("""
        return Array.from(document.querySelectorAll('#charts svg'), svg => ({
            height: svg.getBoundingClientRect().height,
            bars: Array.from(svg.querySelectorAll('rect'), r => r.getBBox().width),
            labels: svg.querySelectorAll('text.label').length,
            values: svg.querySelectorAll('text.value').length}))""")
    assert len(charts) == 6
    for chart in charts:
        assert chart["height"] > 0 and chart["bars"] and max(chart["bars"]) > 0
        assert chart["labels"] == chart["values"] == len(chart["bars"])


def test_the_filter_hides_rows_that_do_not_match(page: webdriver.Chrome, real_snapshot: RealSnapshot) -> None:
    field = page.find_element(By.ID, "filter-applications")
    assert field.is_displayed()  # shown by the script (hidden without it)
    field.send_keys("alert(1)")
    assert visible_titles(page) == [HOSTILE_PDF_TITLE]
    assert page.find_element(By.ID, "shown-applications").text == f"1 of {len(real_snapshot.titles)} rows"
    field.clear()
    field.send_keys("samen WIJK")  # every word, any case
    expected = [t for t in real_snapshot.titles if "samen" in t.lower() and "wijk" in t.lower()]
    assert expected and set(visible_titles(page)) >= set(expected)
    field.clear()
    field.send_keys("geen-enkele-rij")
    assert visible_titles(page) == []
    field.clear()
    field.send_keys(" ")
    assert len(visible_titles(page)) == len(real_snapshot.titles)


def test_clicking_a_header_sorts(page: webdriver.Chrome) -> None:
    header = page.find_element(By.XPATH, "//table[@id='applications-table']//th[normalize-space()='budget']")
    header.click()
    ascending = column_sort_values(page, 11)
    numbers = [float(v) for v in ascending if v]
    assert numbers == sorted(numbers) and len(numbers) > 1
    assert all(ascending[: len(numbers)])  # rows without a budget, if any, come last
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    descending = [float(v) for v in column_sort_values(page, 11) if v]
    assert descending == sorted(numbers, reverse=True) and header.get_attribute("aria-sort") == "descending"
    town = page.find_element(By.XPATH, "//table[@id='applications-table']//th[normalize-space()='municipality']")
    town.click()
    towns = page.execute_script(
        "return Array.from(document.querySelectorAll('#applications-table tbody tr'), r => r.cells[3].textContent)")
    assert towns[0] == min(towns, key=str.casefold) and towns[-1] == max(towns, key=str.casefold)
    assert header.get_attribute("aria-sort") is None  # one sorted column at a time


def test_nothing_is_requested_from_the_network(page: webdriver.Chrome, report: Path) -> None:
    page.find_element(By.XPATH, "//th[normalize-space()='title']").click()  # the script runs too
    events = [json.loads(entry["message"])["message"] for entry in page.get_log("performance")]
    urls = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]
    urls += [e["params"]["url"] for e in events if e["method"] == "Network.webSocketCreated"]
    assert report.as_uri() in urls  # the log does see requests: the page itself is one
    assert [u for u in urls if not u.startswith(("file:", "data:"))] == []


def test_the_screenshot_is_not_blank(page: webdriver.Chrome) -> None:
    page.execute_script("document.getElementById('charts').scrollIntoView()")
    colours = png_colours(page.get_screenshot_as_png())
    total = sum(colours.values())
    assert len(colours) > 50  # text, borders and bars, anti-aliased
    assert colours.most_common(1)[0][1] < 0.97 * total  # not one colour all over
    bar = sum(n for colour, n in colours.items()
              if all(abs(a - b) <= 2 for a, b in zip(colour, BAR_COLOUR, strict=True)))
    assert bar > 500  # the bars are drawn, in their colour


def visible_titles(page: webdriver.Chrome) -> list[str]:
    return page.execute_script("""return Array.from(document.querySelectorAll('#applications-table tbody tr'))
        .filter(row => !row.hidden && row.offsetParent !== null)
        .map(row => row.querySelector('td.title').textContent)""")


def column_sort_values(page: webdriver.Chrome, index: int) -> list[str]:
    return page.execute_script(
        "return Array.from(document.querySelectorAll('#applications-table tbody tr'),"
        " r => r.cells[arguments[0]].getAttribute('data-sort'))", index)


def png_colours(png: bytes) -> Counter:
    """How often each (r, g, b) occurs in an 8-bit RGB or RGBA PNG, decoded with zlib alone (no Pillow)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks, head = 8, [], b""
    while at < len(png):
        (length,), kind = struct.unpack(">I", png[at:at + 4]), png[at + 4:at + 8]
        data = png[at + 8:at + 8 + length]
        if kind == b"IHDR":
            head = data
        elif kind == b"IDAT":
            chunks.append(data)
        at += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", head)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, "an 8-bit RGB(A) PNG, not interlaced"
    step = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks)), width * step
    counts: Counter = Counter()
    above = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - step] if x >= step else 0
            up, corner = above[x], above[x - step] if x >= step else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        counts.update(zip(line[0::step], line[1::step], line[2::step], strict=True))
        above = line
    return counts


def test_the_png_decoder_reads_what_zlib_wrote() -> None:
    # a 2 x 2 RGB image, rows filtered with Sub and Up: white, red / white, red
    rows = b"\x01" + bytes([255, 255, 255, 0, 1, 1]) + b"\x02" + bytes(6)
    png = b"\x89PNG\r\n\x1a\n"
    for kind, data in ((b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)), (b"IDAT", zlib.compress(rows)),
                       (b"IEND", b"")):
        png += struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    assert png_colours(png) == Counter({(255, 255, 255): 2, (255, 0, 0): 2})
