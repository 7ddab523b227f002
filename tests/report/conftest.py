"""Snapshots for the report's tests: hand-built ones with hostile texts, and one made from real PDFs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.dataset.snapshot import SNAPSHOTS, read_latest
from pipeline.model.records import DocumentResult
from pipeline.runtime.run import PLAIN_STEPS, RunConfig, run_batch
from tests.builders import make_failed, make_result, publish
from tests.fixtures.generate import SAMPLE_DOC
from tests.fixtures.markup import parse_markup
from tests.fixtures.render import VARIANTS, render_pdf

# What a PDF (or its file name) may hold that a page must show as text: markup, a script, quotes,
# ampersands, and a right-to-left override (U+202E) that would reorder what follows it.
HOSTILE_TITLE = "<script>alert(1)</script> \"quoted\" & 'single' \u202eevil</td><img src=x onerror=alert(2)>"
HOSTILE_NAME = "evil \"<b>\u202e & 'co'"  # a file name: evil "<b>‮ & 'co'.pdf
# In a PDF rendered with a standard font, U+202E has no glyph: the title there carries the rest.
HOSTILE_PDF_TITLE = "<script>alert(1)</script> \"Deurne\" & 'Noord' <img src=x onerror=alert(2)>"
HOSTILE_PDF_NAME = "evil \"<b>\u202e & 'co'.pdf"


def hostile_results() -> tuple[DocumentResult, ...]:
    """Two documents, one from a file with a hostile name and with a hostile application title, applicant and
    warning, and a failure."""
    evil = make_result(HOSTILE_NAME, 2)
    apps = (replace(evil.applications[0], title=HOSTILE_TITLE, themes=(), theme_terms=(), applicant=HOSTILE_TITLE),
            *evil.applications[1:])  # fmt: skip
    evil = replace(evil, applications=apps, document=replace(evil.document, title=HOSTILE_TITLE),
                   warnings=(f"{HOSTILE_TITLE} in a warning",))  # fmt: skip
    failed = make_failed("broken")
    failure = replace(failed.failures[0], message=f"{HOSTILE_TITLE} in broken.pdf")
    return make_result("a", 3), evil, replace(failed, failures=(failure,))


@pytest.fixture
def hostile_out(tmp_path: Path) -> Path:
    """OUT_DIR with two snapshots: a first one, then the hostile one (LATEST)."""
    out = tmp_path / "out"
    first = hostile_results()
    publish((first[0], first[2]), out)
    publish(first, out)
    return out


@dataclass(frozen=True)
class RealSnapshot:
    """OUT_DIR of two runs over rendered PDFs; LATEST holds the hostile one."""

    out: Path
    sources: Path
    previous: str
    latest: str
    titles: tuple[str, ...]  # every application title of LATEST


@pytest.fixture(scope="package")
def real_snapshot(fixture_set, tmp_path_factory: pytest.TempPathFactory) -> RealSnapshot:
    root = tmp_path_factory.mktemp("report")
    sources, out = root / "sources", root / "out"
    (sources / "sub map").mkdir(parents=True)
    # the second has a table of budgets
    first = ("seed_wijkverbeteringscontracten__official.pdf", "wijkverbeteringscontracten_selectie_2025__plain.pdf")
    for name in first:
        (sources / "sub map" / name).write_bytes(fixture_set.rendered[name].read_bytes())
    bad = sorted(fixture_set.bad)[0]
    (sources / bad).write_bytes(fixture_set.bad[bad].read_bytes())
    run_batch(RunConfig(str(sources), str(out), workers=1), PLAIN_STEPS)
    previous = read_latest(out)
    text = SAMPLE_DOC.read_text(encoding="utf-8")
    heading = "# 1. ANTWERPEN – Veilig en leefbaar Deurne-Noord"
    assert heading in text
    render_pdf(parse_markup(text.replace(heading, f"# 1. ANTWERPEN – {HOSTILE_PDF_TITLE}")), VARIANTS["official"],
               sources / HOSTILE_PDF_NAME)
    (sources / "lokale_sociale_cohesie_aanvragen__compact.pdf").write_bytes(
        fixture_set.rendered["lokale_sociale_cohesie_aanvragen__compact.pdf"].read_bytes())
    run_batch(RunConfig(str(sources), str(out), workers=1), PLAIN_STEPS)
    latest = read_latest(out)
    titles = pq.read_table(out / SNAPSHOTS / latest / "applications.parquet", columns=["title"]).column(0)
    assert latest != previous and HOSTILE_PDF_TITLE in titles.to_pylist()
    return RealSnapshot(out, sources, previous, latest, tuple(titles.to_pylist()))
