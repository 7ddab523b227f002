"""Rows: one document's steps' outputs as the records of its dataset rows (a DocumentResult)."""

from __future__ import annotations

from pipeline.model.document import ParsedDocument, RawDocument
from pipeline.model.kinds import DocType, Stage, ValidationCheck
from pipeline.model.records import Application, DocumentResult, DocumentRow, Failure, SectionRow, SourceFile
from pipeline.parse.values import find_max_budget
from pipeline.segment.applications import Segmentation


def doc_id_for(sha256: str) -> str:
    """The stable document id: derived from the file's content only."""
    return sha256[:16]


def assemble_result(
    source: SourceFile,
    raw: RawDocument,
    parsed: ParsedDocument,
    segmentation: Segmentation,
    applications: tuple[Application, ...],
) -> DocumentResult:
    """The last step: the document row, its sections and applications, the lists whose count is off (failure
    rows), and the lists too ambiguous to take (all) rows from (warnings)."""
    doc_id = doc_id_for(source.sha256)
    meta = parsed.meta
    document = DocumentRow(
        doc_id=doc_id,
        source_file=source.path,
        sha256=source.sha256,
        doc_type=DocType.SCHRIFTELIJKE_VRAAG,
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
        SectionRow(doc_id=doc_id, kind=s.kind, number=s.number, text=s.text)
        for s in (*parsed.questions, *parsed.answers)
    )
    failures = tuple(
        Failure(source.path, source.sha256, Stage.VALIDATE, ValidationCheck.DECLARED_COUNT, message)
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
        warnings=segmentation.warnings,
        max_budget_eur=find_max_budget(question_text) or find_max_budget(" ".join(s.text for s in parsed.answers)),
    )
