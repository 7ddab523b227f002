"""What the report shows, read from a snapshot folder (and the one before it): plain records, no HTML.

Every text here comes from the PDFs or their file names and is untrusted: the template escapes
it. Links to the PDFs are relative URLs built here, each path segment percent-encoded, so that a
file name can never turn into a scheme, a query or markup.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyarrow.parquet as pq

from pipeline.dataset.diff import diff_snapshots
from pipeline.dataset.snapshot import MANIFEST, manifest_warnings
from pipeline.report.charts import BarChart, build_chart, count_months, count_values, format_money, sum_values

MAX_CHANGES = 500  # rows listed per table in "what changed"; the counts are always complete
_VALUE_WIDTH = 80


@dataclass(frozen=True)
class SourceLink:
    """A source file as the manifest names it (relative to SOURCE_DIR) and its link from the report, if any."""

    path: str
    href: str | None = None


@dataclass(frozen=True)
class InputFile:
    link: SourceLink
    sha256: str
    size: int
    pages: int | None


@dataclass(frozen=True)
class SnapshotFacts:
    """The snapshot as its manifest describes it."""

    snapshot_id: str
    written: str  # when its manifest was written (UTC)
    code_version: str
    schema_version: str
    engine: str
    counts: tuple[tuple[str, int], ...]  # rows per table
    inputs: tuple[InputFile, ...]
    question_dates: str  # the first and last question date


@dataclass(frozen=True)
class ApplicationRow:
    doc_id: str
    item_number: int
    applicant: str  # as written (schema 1.3; "" in older snapshots)
    municipality: str
    nis_code: str
    province: str
    sub_municipality: str
    neighbourhoods: str
    title: str
    themes: str
    status: str
    budget: float | None
    budget_text: str
    pages: str
    source: SourceLink


@dataclass(frozen=True)
class DocumentEntry:
    doc_id: str
    question_number: int | None
    question_date: str
    questioner: str
    minister: str
    title: str
    n_pages: int | None
    applications: int | None
    declared: int | None
    source: SourceLink
    vlpar_id: str = ""  # the Parliament's own metadata (schema 1.2; "" without a sidecar or in older snapshots)
    answer_date: str = ""
    parliament_themes: str = ""


@dataclass(frozen=True)
class FailureEntry:
    source_file: str
    stage: str
    error: str
    message: str


@dataclass(frozen=True)
class WarningEntry:
    source_file: str
    message: str


@dataclass(frozen=True)
class ChangeEntry:
    kind: str  # added, removed, changed
    key: str
    label: str
    changes: tuple[str, ...]  # "column: old → new"


@dataclass(frozen=True)
class TableChanges:
    table: str
    added: int
    removed: int
    changed: int
    rows: tuple[ChangeEntry, ...]  # the first MAX_CHANGES
    left_out: int


@dataclass(frozen=True)
class Changes:
    """What changed since the previous snapshot; previous_id None: this is the first one."""

    previous_id: str | None
    tables: tuple[TableChanges, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportPage:
    facts: SnapshotFacts
    charts: tuple[BarChart, ...]
    applications: tuple[ApplicationRow, ...]
    documents: tuple[DocumentEntry, ...]
    failures: tuple[FailureEntry, ...]
    changes: Changes
    warnings: tuple[WarningEntry, ...] = ()  # the manifest's: ambiguous lists, applicants without a municipality


def build_page(folder: Path, previous: Path | None = None, sources: str | None = None) -> ReportPage:
    """The report's content for the snapshot in `folder`, compared with `previous` (None: the first snapshot).

    `sources`: SOURCE_DIR as a relative POSIX path from the report's folder, to link each row to
    its PDF at its page; None: file names as text only.
    """
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    tables = {name: _rows(folder / entry["file"]) for name, entry in manifest["tables"].items()}
    documents = tables.get("documents", [])
    source_of = {d["doc_id"]: d["source_file"] for d in documents}
    dated = {d["doc_id"]: d["question_date"] for d in documents}
    applications = tables.get("applications", [])
    rows = tuple(_application(a, link_source(source_of.get(a["doc_id"], ""), sources, a["page_start"]))
                 for a in applications)
    return ReportPage(
        facts=_facts(folder, manifest, documents, sources),
        charts=build_charts(applications, dated),
        applications=rows,
        documents=tuple(_document(d, link_source(d["source_file"], sources, 1)) for d in documents),
        failures=tuple(FailureEntry(f["source_file"], f["stage"], f["error"], f["message"] or "")
                       for f in tables.get("failures", [])),
        changes=compare_snapshots(previous, folder),
        warnings=tuple(WarningEntry(path, message) for path, message in manifest_warnings(manifest)),
    )


def build_charts(applications: Sequence[dict], question_dates: dict[str, dt.date | None]) -> tuple[BarChart, ...]:
    """The report's charts over the applications table's rows (`question_dates` by doc_id)."""
    themes = [t for a in applications for t in (a["themes"] or [None])]
    budgets = [(a["province"], a["budget_eur"]) for a in applications if a["budget_eur"] is not None]
    return (
        build_chart("province", "Applications per province", count_values(a["province"] for a in applications)),
        build_chart("municipality", "Applications per municipality",
                    count_values(a["municipality"] for a in applications), top=20),
        build_chart("theme", "Applications per theme", count_values(themes)),
        build_chart("status", "Applications per status", count_values(a["status"] for a in applications)),
        build_chart("budget", "Budget per province (EUR)", sum_values(budgets), money=True,
                    note=f"{len(budgets)} of {len(applications)} applications name a budget"),
        build_chart("month", "Applications per month of the question",
                    count_months(question_dates.get(a["doc_id"]) for a in applications)),
    )


def compare_snapshots(previous: Path | None, folder: Path) -> Changes:
    """What changed from `previous` to `folder`, table by table (`dataset.diff`)."""
    if previous is None:
        return Changes(previous_id=None)
    diff = diff_snapshots(previous, folder)
    tables = []
    for table in diff.tables:
        entries = [ChangeEntry(kind, " / ".join(map(str, row.key)), row.label,
                               tuple(f"{c.column}: {_show(c.old)} → {_show(c.new)}" for c in row.changes))
                   for kind, rows in (("added", table.added), ("removed", table.removed), ("changed", table.changed))
                   for row in rows]
        tables.append(TableChanges(table.table, len(table.added), len(table.removed), len(table.changed),
                                   tuple(entries[:MAX_CHANGES]), max(0, len(entries) - MAX_CHANGES)))
    return Changes(previous_id=diff.old_id, tables=tuple(tables), notes=diff.notes)


def link_source(path: str, sources: str | None, page: int | None) -> SourceLink:
    """`path` (relative to SOURCE_DIR) and, when SOURCE_DIR is given, its URL from the report at `page`."""
    if sources is None or not path:
        return SourceLink(path)
    # a path that starts with slashes would make "//host/...": a link to another machine
    joined = posixpath.normpath(posixpath.join(sources, path.lstrip("/")))
    url = "/".join(quote(part, safe="") for part in ("/" + joined.lstrip("/") if joined.startswith("/") else joined)
                   .split("/"))
    return SourceLink(path, f"{url}#page={page}" if page else url)


def _facts(folder: Path, manifest: dict, documents: list[dict], sources: str | None) -> SnapshotFacts:
    written = dt.datetime.fromtimestamp((folder / MANIFEST).stat().st_mtime, dt.UTC)
    dates = sorted(d["question_date"] for d in documents if d["question_date"] is not None)
    inputs = tuple(InputFile(link_source(i["path"], sources, None), i["sha256"], int(i["size"]), i.get("pages"))
                   for i in manifest["inputs"])
    return SnapshotFacts(
        snapshot_id=manifest["snapshot_id"],
        written=written.strftime("%Y-%m-%d %H:%M UTC"),
        code_version=manifest["code_version"],
        schema_version=manifest["schema_version"],
        engine=manifest.get("engine", ""),
        counts=tuple((name, int(entry["rows"])) for name, entry in manifest["tables"].items()),
        inputs=inputs,
        question_dates=f"{dates[0]} to {dates[-1]}" if dates else "",
    )


def _application(row: dict, source: SourceLink) -> ApplicationRow:
    start, end = row["page_start"], row["page_end"]
    pages = "" if start is None else str(start) if end in (None, start) else f"{start}–{end}"
    return ApplicationRow(
        doc_id=row["doc_id"],
        item_number=row["item_number"],
        applicant=row.get("applicant") or "",
        municipality=row["municipality"] or "",
        nis_code=row["nis_code"] or "",
        province=row["province"] or "",
        sub_municipality=row["sub_municipality"] or "",
        neighbourhoods=", ".join(row["neighbourhoods"] or ()),
        title=row["title"] or "",
        themes=", ".join(row["themes"] or ()),
        status=row["status"] or "",
        budget=row["budget_eur"],
        budget_text=format_money(row["budget_eur"]),
        pages=pages,
        source=source,
    )


def _document(row: dict, source: SourceLink) -> DocumentEntry:
    return DocumentEntry(
        doc_id=row["doc_id"],
        question_number=row["question_number"],
        question_date=str(row["question_date"] or ""),
        questioner=row["questioner"] or "",
        minister=row["minister"] or "",
        title=row["title"] or "",
        n_pages=row["n_pages"],
        applications=row["application_count"],
        declared=row["declared_application_count"],
        source=source,
        vlpar_id=row.get("vlpar_id") or "",
        answer_date=str(row.get("answer_date") or ""),
        parliament_themes=", ".join(row.get("parliament_themes") or ()),
    )


def _rows(file: Path) -> list[dict]:
    return pq.read_table(file).to_pylist()


def _show(value: object) -> str:
    text = "—" if value is None else ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"
