"""Hand-built records for the snapshot tests (tabulate, validate, write, cache, diff): no PDFs."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from pipeline.dataset.write import publish_snapshot
from pipeline.model.records import (
    Application,
    ApplicationPlace,
    DocumentResult,
    DocumentRow,
    Failure,
    HeadingBox,
    SectionRow,
    SnapshotInfo,
    SourceFile,
    ThemeMatch,
)
from schemas import load_schema

THEMES = (
    "wonen",
    "veiligheid",
    "samenleven",
    "participatie",
    "werk_economie",
    "onderwijs",
    "armoede",
    "welzijn_zorg",
    "mobiliteit",
    "publieke_ruimte",
    "klimaat_energie",
    "dienstverlening",
)
TODAY = dt.date(2024, 6, 1)
# A tiny gazetteer: nis -> (name, province, valid from, valid to).
MUNICIPALITIES = {
    "31005": ("Brugge", "West-Vlaanderen", dt.date(1977, 1, 1), dt.date(9999, 12, 31)),
    "11002": ("Antwerpen", "Antwerpen", dt.date(1983, 1, 1), dt.date(9999, 12, 31)),
    "44021": ("Gent", "Oost-Vlaanderen", dt.date(1977, 1, 1), dt.date(9999, 12, 31)),
    "21004": ("Brussel", None, dt.date(1977, 1, 1), dt.date(9999, 12, 31)),
    "44011": ("Deinze", "Oost-Vlaanderen", dt.date(1977, 1, 1), dt.date(2018, 12, 31)),
}


def is_valid_code(nis: str, on: dt.date) -> bool:
    entry = MUNICIPALITIES.get(nis)
    return entry is not None and entry[2] <= on <= entry[3]


def province_of(nis: str, on: dt.date) -> str | None:
    return MUNICIPALITIES[nis][1] if is_valid_code(nis, on) else None


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_application(doc_id: str, item_number: int, nis: str = "31005", **changes: object) -> Application:
    name, province = MUNICIPALITIES.get(nis, ("Nergens", None))[:2]
    app = Application(
        doc_id=doc_id,
        item_number=item_number,
        municipality=name,
        nis_code=nis,
        province=province,
        sub_municipality=None,
        neighbourhoods=(f"Wijk {item_number}",),
        title=f"Project {item_number}",
        summary=f"Een samenvatting van project {item_number} over wonen en veiligheid.",
        themes=("veiligheid", "wonen"),
        status="submitted",
        budget_eur=100000.0 * item_number,
        decision_reason=None,
        page_start=1,
        page_end=2,
        theme_terms=(ThemeMatch("veiligheid", ("veiligheid",)), ThemeMatch("wonen", ("wonen",))),
        applicant=name.upper(),  # as the seed's form writes it
        municipalities=(ApplicationPlace(1, name, nis, province, None, name.upper()),),
        heading_box=HeadingBox(1, 56.7, 100.0 + 20 * item_number, 310.5, 112.0 + 20 * item_number),
    )
    return replace(app, **changes)


def make_result(
    name: str,
    n_applications: int = 3,
    *,
    date: dt.date = dt.date(2021, 10, 1),
    max_budget: float | None = 1_000_000.0,
    declared: int | None = None,
) -> DocumentResult:
    """A complete, valid result for a file `name`.pdf with `n_applications` applications."""
    digest = sha(name)
    doc_id = digest[:16]
    apps = tuple(
        make_application(doc_id, i, ("31005", "11002", "44021", "21004")[i % 4])
        for i in range(1, n_applications + 1)
    )
    document = DocumentRow(
        doc_id=doc_id,
        source_file=f"{name}.pdf",
        sha256=digest,
        doc_type="schriftelijke_vraag",
        question_number=12,
        question_date=date,
        questioner="Chris Janssens",
        minister="Bart Somers",
        minister_title="Vlaams minister van Binnenlands Bestuur",
        title=f"Wijkverbeteringscontracten - {name}",
        n_pages=4,
        declared_application_count=n_applications if declared is None else declared,
        application_count=n_applications,
    )
    sections = (
        SectionRow(doc_id, "question", 1, "Welke projecten?"),
        SectionRow(doc_id, "answer", 1, "Deze projecten."),
    )
    return DocumentResult(f"{name}.pdf", digest, 4, document, sections, apps, (), max_budget)


def make_failed(name: str, error: str = "encrypted") -> DocumentResult:
    digest = sha(name)
    failure = Failure(f"{name}.pdf", digest, "read", error, f"{name}.pdf is encrypted; remove the password.")
    return DocumentResult(f"{name}.pdf", digest, 0, None, failures=(failure,))


def source_of(result: DocumentResult) -> SourceFile:
    return SourceFile(result.source_file, f"/src/{result.source_file}", result.sha256, 1000)


# A small snapshot: two documents and a file that failed for its content.
CODE = "0.1.0+test"
VERSIONS = {"pyarrow": pa.__version__}
RESULTS = (make_result("a", 3), make_result("b", 5), make_failed("c"))
INPUTS = [source_of(r) for r in RESULTS]


def publish(results: tuple[DocumentResult, ...], out: Path, **changes: object) -> SnapshotInfo:
    """`publish_snapshot` of `results` (their sources the inputs) with the tests' code version and engine."""
    options = {"schema": load_schema(), "code_version": CODE, "library_versions": VERSIONS, "engine": "pdfplumber"}
    return publish_snapshot(results, [source_of(r) for r in results], out, **{**options, **changes})
