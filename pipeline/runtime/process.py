"""One document end to end: read → clean → parse → segment → extract, as a DocumentResult.

`process_document` never raises for bad input: every problem becomes a Failure record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from pipeline.model.errors import DocumentError
from pipeline.extract.applications import extract_applications
from pipeline.clean.layout import LayoutConfig, clean_document
from pipeline.runtime.limits import out_of_memory_failure, ran_out_of_memory
from pipeline.parse.document import parse_document
from pipeline.model.records import (
    Application,
    DocumentResult,
    DocumentRow,
    Failure,
    ParsedDocument,
    RawDocument,
    SectionRow,
    SourceFile,
)
from pipeline.segment.applications import SegmentConfig, segment_applications
from pipeline.parse.values import find_max_budget

DOC_TYPE = "schriftelijke_vraag"


@dataclass(frozen=True)
class ReadSettings:
    """Which engine reads, with its own validated settings.

    pdfium is the default: it gives the same dataset as pdfplumber, the reference engine, about
    five times faster (bench/results); pdfplumber still finds the ruled tables on pages with rules.
    """

    engine: str = "pdfium"
    line_tolerance: float = 2.5
    max_pages: int = 2000

    def __post_init__(self) -> None:
        if self.engine not in {"pdfplumber", "pdfium"}:
            raise ValueError(f"unknown engine {self.engine!r}: choose pdfplumber or pdfium")


@dataclass(frozen=True)
class ProcessConfig:
    read: ReadSettings = field(default_factory=ReadSettings)
    layout: LayoutConfig = field(default_factory=LayoutConfig)
    segment: SegmentConfig = field(default_factory=SegmentConfig)


@dataclass(frozen=True)
class Resources:
    """What is built once per process and shared by every document: gazetteer and NLP pipeline."""

    gazetteer: Any
    nlp: Any
    vocabulary: Any
    is_adjective: Any  # word -> bool, from the NLP module's lexicon


def build_resources() -> Resources:
    """Load the gazetteer and build the spaCy pipeline (the slow part of a worker's start)."""
    from pipeline.extract.gazetteer import load_gazetteer
    from pipeline.extract.nlp import NlpConfig, adjective_test, build_nlp
    from pipeline.extract.themes import load_vocabulary

    vocabulary = load_vocabulary()
    nlp = build_nlp(NlpConfig(), vocabulary)
    return Resources(gazetteer=load_gazetteer(), nlp=nlp, vocabulary=vocabulary, is_adjective=adjective_test(nlp))


def build_validation_context(today: dt.date):
    """The checks' view of the reference data (gazetteer and theme vocabulary) for a run on `today`,
    with the validator's one-off set-up done (`validate.prepare_validator`)."""
    from pipeline.extract.gazetteer import find_municipality, is_valid_code, load_gazetteer
    from pipeline.extract.themes import load_vocabulary
    from pipeline.validate.checks import ValidationContext, prepare_validator

    gazetteer = load_gazetteer()

    def province_of(nis_code: str, on: dt.date) -> str | None:
        municipality = find_municipality(gazetteer, nis_code, on)
        return municipality.province if municipality else None

    return prepare_validator(ValidationContext(
        is_valid_code=lambda nis_code, on: is_valid_code(gazetteer, nis_code, on),
        province_of=province_of,
        themes=tuple(load_vocabulary().ids),
        today=today,
    ))


def doc_id_for(sha256: str) -> str:
    """The stable document id: derived from the file's content only."""
    return sha256[:16]


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def process_document(source: SourceFile, data: bytes, config: ProcessConfig, resources: Resources) -> DocumentResult:
    """Turn one PDF's bytes into its rows, or into a failure that says why."""
    stage = "read"
    n_pages = 0
    try:
        raw = read_document(data, config.read)
        n_pages = raw.n_pages
        stage = "parse"
        clean = clean_document(raw, config.layout)
        parsed = parse_document(clean)
        stage = "extract"
        return _rows(source, raw, clean.text_width, parsed, config, resources)
    except DocumentError as exc:
        failure = Failure(source.path, source.sha256, exc.stage, exc.kind, exc.message)
        if ran_out_of_memory(exc):  # a library wrapped a MemoryError, e.g. as an unreadable page
            failure = out_of_memory_failure(source, exc.stage)
    except Exception as exc:  # noqa: BLE001 - a bug on one document must not stop the batch
        failure = Failure(
            source.path,
            source.sha256,
            stage,
            "internal_error",
            f"parlq could not process this file ({type(exc).__name__}: {exc}); please report it with the file.",
        )
        if ran_out_of_memory(exc):
            failure = out_of_memory_failure(source, stage)
    return DocumentResult(source_file=source.path, sha256=source.sha256, n_pages=n_pages, document=None, failures=(failure,))


def read_document(data: bytes, settings: ReadSettings) -> RawDocument:
    """Read with the configured engine (imported lazily: a run pays only for the engine it uses)."""
    if settings.engine == "pdfium":
        from pipeline.read.pdfium.reader import PdfiumConfig, read_pdf_pdfium

        return read_pdf_pdfium(data, PdfiumConfig(line_tolerance=settings.line_tolerance, max_pages=settings.max_pages))
    from pipeline.read.plumber import ReaderConfig, read_pdf_bytes

    return read_pdf_bytes(data, ReaderConfig(line_tolerance=settings.line_tolerance, max_pages=settings.max_pages))


def _rows(
    source: SourceFile,
    raw: RawDocument,
    column: tuple[float, float],
    parsed: ParsedDocument,
    config: ProcessConfig,
    resources: Resources,
) -> DocumentResult:
    from pipeline.extract.gazetteer import place_names, resolve_place
    from pipeline.extract.neighbourhoods import find_neighbourhoods
    from pipeline.extract.nlp import find_themes_batch

    doc_id = doc_id_for(source.sha256)
    on = parsed.meta.question_date
    gazetteer = resources.gazetteer
    segmentation = segment_applications(
        parsed, column, lambda text: resolve_place(gazetteer, text, on) is not None, config.segment
    )
    names = place_names(gazetteer, on)
    applications: tuple[Application, ...] = extract_applications(
        segmentation.items,
        doc_id,
        on,
        lambda text, date: resolve_place(gazetteer, text, date),
        lambda title, summary, municipality, sub: find_neighbourhoods(
            title, summary, municipality, sub, names, resources.is_adjective
        ),
        lambda texts: find_themes_batch(resources.nlp, texts),
    )
    meta = parsed.meta
    document = DocumentRow(
        doc_id=doc_id,
        source_file=source.path,
        sha256=source.sha256,
        doc_type=DOC_TYPE,
        question_number=meta.question_number,
        question_date=meta.question_date,
        questioner=meta.questioner,
        minister=meta.minister,
        minister_title=meta.minister_title,
        title=meta.title,
        n_pages=raw.n_pages,
        declared_application_count=segmentation.declared_count,
        application_count=len(applications),
    )
    sections = tuple(
        SectionRow(doc_id=doc_id, kind=s.kind, number=s.number, text=s.text) for s in (*parsed.questions, *parsed.answers)
    )
    failures = tuple(
        Failure(source.path, source.sha256, "validate", "declared_count", message)
        for message in segmentation.count_problems
    )
    question_text = " ".join(p.text for p in parsed.preamble) + " " + " ".join(s.text for s in parsed.questions)
    return DocumentResult(
        source_file=source.path,
        sha256=source.sha256,
        n_pages=raw.n_pages,
        document=document,
        sections=sections,
        applications=applications,
        failures=failures,
        max_budget_eur=find_max_budget(question_text) or find_max_budget(" ".join(s.text for s in parsed.answers)),
    )
