"""Inspect: what parlq sees in one document (`parlq inspect PDF`), written nowhere.

The document goes through the declared `DOCUMENT_STEPS` in this process (`process.trace_document`)
and then through validation, as in a run; the steps' values (its metadata, its sections, every
list the segmenter saw with its rule and status, each item with its places) become one plain
record (`inspection_record`: what `--json` prints) and its text (`format_inspection`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.discover.fetched import attach_sidecar
from pipeline.extract.resources import Resources, build_resources
from pipeline.model.document import ParsedDocument, Section
from pipeline.model.records import Application, DocumentResult, SourceFile
from pipeline.read.config import Engine, ReadConfig
from pipeline.runtime.limits import Limits, check_size, failure_result
from pipeline.runtime.process import ProcessConfig, sha256_of, trace_document
from pipeline.segment.applications import Segmentation
from pipeline.segment.lists import FoundList

Record = dict[str, object]
_SHOWN = 100  # characters of an intro or a section shown in the text form


@dataclass(frozen=True)
class Inspection:
    """One document as parlq sees it: the steps' values and the validated result."""

    source: SourceFile
    result: DocumentResult  # validated as a run would: failing rows out, a failure row each, warnings
    parsed: ParsedDocument | None  # None: reading or parsing failed
    segmentation: Segmentation | None
    applications: tuple[Application, ...]  # every application extracted, before validation
    warnings: tuple[str, ...]  # the sidecar's (if any), then the document's

    @property
    def failed(self) -> bool:
        """Whether a run would record failure rows for this document (its exit status 1)."""
        return bool(self.result.failures)


def inspect_pdf(
    path: Path, engine: Engine = Engine.PDFIUM, resources: Resources | None = None, limits: Limits | None = None
) -> Inspection:
    """Run one local PDF through the document steps and validation; nothing is written.

    Raises OSError when the file cannot be read. A PDF parlq cannot read is no error here: its
    failure is in the result, as a run would record it; so is a file over `limits`' size, which is
    not read. (The steps run in this process: a run's per-document time and memory limits, which
    hold in its worker processes, do not apply.)
    """
    from pipeline.runtime.run import prepare_in_background
    from pipeline.validate.checks import validate_results

    path = Path(path)
    unread = SourceFile(path.name, str(path.resolve()), "", path.stat().st_size)
    if (refused := check_size(unread, unread.size, limits or Limits())) is not None:
        return Inspection(unread, failure_result(unread, refused), None, None, (), ())
    data = path.read_bytes()
    source = SourceFile(path.name, str(path.resolve()), sha256_of(data), len(data))
    source, said = attach_sidecar(source, path, frozenset(os.listdir(path.parent)))
    checks = prepare_in_background(dt.date.today())  # built while the document is processed
    config = ProcessConfig(read=ReadConfig(engine=Engine(engine)))
    result, values = trace_document(source, data, config, resources or build_resources())
    validated = validate_results([result], checks.result())[0]
    parsed, segmentation = values.get("parsed"), values.get("segmentation")
    applications = values.get("applications")
    return Inspection(
        source=source,
        result=validated,
        parsed=parsed if isinstance(parsed, ParsedDocument) else None,
        segmentation=segmentation if isinstance(segmentation, Segmentation) else None,
        applications=applications if isinstance(applications, tuple) else (),
        warnings=said + validated.warnings,
    )


def inspection_record(inspection: Inspection) -> Record:
    """The inspection as plain data (JSON): file, document, sections, lists with their items, failures, warnings."""
    result = inspection.result
    by_number = {app.item_number: app for app in inspection.applications}
    kept = {app.item_number for app in result.applications}
    lists = inspection.segmentation.lists if inspection.segmentation else ()
    parsed = inspection.parsed
    sections = (*parsed.questions, *parsed.answers) if parsed else ()
    return {
        "file": inspection.source.path,
        "sha256": inspection.source.sha256,
        "pages": result.n_pages,
        "document": _document(inspection),
        "sections": [_section(section) for section in sections],
        "lists": [_list(found, by_number, kept) for found in lists],
        "failures": [{"stage": str(f.stage), "error": str(f.error), "message": f.message} for f in result.failures],
        "warnings": list(inspection.warnings),
    }


def format_inspection(record: Record) -> str:
    """The text form of `inspection_record`: a few lines per list and per item, failures and warnings last."""
    lines = [f"file         {record['file']} ({record['pages']} pages, sha256 {str(record['sha256'])[:16]})"]
    document = record["document"]
    if isinstance(document, dict):
        lines += [
            f"question     {document['question_number']} of {document['question_date']}",
            f"questioner   {document['questioner']}",
            f"minister     {document['minister']}",
            f"title        {document['title']}",
            f"applications {_count(document.get('application_count'))} found, "
            f"{_count(document.get('declared_application_count'))} declared",
        ]
        lines += [f"{label:<12} {document[key]}" for label, key in _JOINED if document.get(key)]
    sections = record["sections"]
    kinds = {kind: [str(s["number"]) for s in sections if s["kind"] == kind] for kind in ("question", "answer")}
    lines.append("sections     " + "; ".join(f"{kind} {', '.join(n)}" for kind, n in kinds.items() if n))
    lists = record["lists"]
    lines.append(f"lists        {len(lists)}")
    for number, found in enumerate(lists, start=1):
        lines += ["", *_list_lines(number, found)]
    for title, entries in (("failures", [f"[{f['stage']}/{f['error']}] {f['message']}" for f in record["failures"]]),
                           ("warnings", record["warnings"])):  # fmt: skip
        if entries:
            lines += ["", title, *(f"  {entry}" for entry in entries)]
    return "\n".join(_printable(line) for line in lines) + "\n"


_JOINED = (("vlpar id", "vlpar_id"), ("zittingsjaar", "zittingsjaar"), ("answered", "answer_date"),
           ("source url", "source_url"))  # fmt: skip


def _document(inspection: Inspection) -> Record | None:
    row = inspection.result.document
    if row is not None:
        return {
            "question_number": row.question_number,
            "question_date": row.question_date.isoformat(),
            "questioner": row.questioner,
            "minister": row.minister,
            "minister_title": row.minister_title,
            "title": row.title,
            "declared_application_count": row.declared_application_count,
            "application_count": row.application_count,
            "vlpar_id": row.vlpar_id,
            "zittingsjaar": row.zittingsjaar,
            "parliament_themes": list(row.parliament_themes) if row.parliament_themes is not None else None,
            "answer_date": row.answer_date.isoformat() if row.answer_date else None,
            "source_url": row.source_url,
        }
    if inspection.parsed is None:
        return None
    meta = inspection.parsed.meta  # the document row failed validation: what the parser read
    return {"question_number": meta.question_number, "question_date": meta.question_date.isoformat(),
            "questioner": meta.questioner, "minister": meta.minister, "minister_title": meta.minister_title,
            "title": meta.title}  # fmt: skip


def _section(section: Section) -> Record:
    paragraphs = section.paragraphs
    pages = [paragraphs[0].page_start, paragraphs[-1].page_end] if paragraphs else None
    return {"kind": str(section.kind), "number": section.number, "pages": pages, "text": section.text}


def _list(found: FoundList, by_number: dict[int, Application], kept: set[int]) -> Record:
    items = [_item(item.item_number, item.printed_number, by_number.get(item.item_number), item.item_number in kept)
             for item in found.items]  # fmt: skip
    starts = [item.page_start for item in found.items]
    return {
        "rule": str(found.rule),
        "status": str(found.status),
        "intro": found.intro,
        "pages": [min(starts), max(item.page_end for item in found.items)] if starts else None,
        "items": items,
        "warnings": list(found.warnings),
    }


def _item(number: int, printed: int | None, app: Application | None, kept: bool) -> Record:
    if app is None:  # extraction failed: the items have no application
        return {"item_number": number, "printed_number": printed, "written": False}
    return {
        "item_number": number,
        "printed_number": printed,
        "pages": [app.page_start, app.page_end],
        "applicant": app.applicant,
        "title": app.title,
        "status": str(app.status),
        "budget_eur": app.budget_eur,
        "list_rule": str(app.list_rule),
        "heading": None if app.heading_box is None else asdict(app.heading_box),
        "municipality": app.municipality,
        "nis_code": app.nis_code,
        "province": app.province,
        "sub_municipality": app.sub_municipality,
        "places": [asdict(place) for place in app.municipalities],
        "neighbourhoods": list(app.neighbourhoods),
        "themes": list(app.themes),
        "written": kept,  # False: validation left it out (see the failures)
    }


def _list_lines(number: int, found: Record) -> list[str]:
    pages = found["pages"]
    where = "" if pages is None else f"  pages {_pages(pages)}"
    count = len(found["items"])
    lines = [f"list {number}  {found['rule']}  {found['status']}{where}  {count} item{'' if count == 1 else 's'}"]
    if found["intro"]:
        lines.append(f"  under: {_cut(str(found['intro']))}")
    lines += [f"  ! {warning}" for warning in found["warnings"]]
    for item in found["items"]:
        lines += _item_lines(item)
    return lines


def _item_lines(item: Record) -> list[str]:
    head = f"  {item['item_number']:>3}."
    if "title" not in item:
        return [f"{head} (no application: see the failures)"]
    lines = [f"{head} p. {_pages(item['pages']):<6} {item['applicant']} – {item['title']}"]
    indent = " " * 8
    places = [_place(p) for p in item["places"]]
    lines.append(f"{indent}places: {'; '.join(places) if places else 'none named (the place columns stay empty)'}")
    if item["neighbourhoods"]:
        lines.append(f"{indent}neighbourhoods: {', '.join(item['neighbourhoods'])}")
    if item["budget_eur"] is not None:
        lines.append(f"{indent}amount: € {round(item['budget_eur']):,}")
    if not item["written"]:
        lines.append(f"{indent}not written: validation left it out (see the failures)")
    return lines


def _place(place: Record) -> str:
    if place["municipality"] is None:
        return f"{place['written']} (not resolved)"
    sub = f", {place['sub_municipality']}" if place["sub_municipality"] else ""
    province = place["province"] or "no province"
    return f"{place['municipality']} {place['nis_code']} ({province}{sub})"


def _pages(pages: Sequence[int]) -> str:
    return str(pages[0]) if pages[0] == pages[1] else f"{pages[0]}–{pages[1]}"


def _count(value: object) -> str:
    return "?" if value is None else str(value)


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _printable(text: str) -> str:
    # a PDF's text may hold control characters: one entry, one terminal line
    return "".join(ch if ch.isprintable() else " " for ch in text)
