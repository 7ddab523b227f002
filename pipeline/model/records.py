"""The records of the dataset and of a run: places, applications, rows, failures, snapshots; frozen dataclasses.

Steps take and return these; DataFrames and Arrow tables appear only when tabulating.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.model.kinds import DocType, ListRule, SectionKind, Stage, Status

# --- reference data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Municipality:
    nis_code: str
    name: str  # official Dutch name
    province: str | None  # None for the Brussels-Capital Region
    region: str  # "Vlaanderen", "Brussel", "Wallonië"
    valid_from: dt.date
    valid_to: dt.date  # inclusive


@dataclass(frozen=True)
class SubMunicipality:
    """A deelgemeente (or a merged former municipality) as part of one municipality for a period."""

    name: str
    municipality_nis: str  # the municipality it belongs to during [valid_from, valid_to]
    municipality_name: str
    valid_from: dt.date = dt.date(1977, 1, 1)
    valid_to: dt.date = dt.date(9999, 12, 31)  # inclusive
    kind: str = "deelgemeente"  # "deelgemeente", "former_municipality" or "manual"
    preferred: bool = False  # wins when a bare name is a deelgemeente of several municipalities


@dataclass(frozen=True)
class PlaceMatch:
    """A place name resolved against the gazetteer for a given date."""

    municipality: Municipality
    sub_municipality: str | None  # official spelling of the deelgemeente, when one was named


# --- applications -------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationItem:
    """One application as segmented from the text or a table, before NLP extraction."""

    item_number: int
    printed_number: int | None
    place: str  # "ANTWERPEN", "BRUGGE (ZEEBRUGGE)", "Leuven (Kessel-Lo)"
    title: str
    summary: str
    page_start: int
    page_end: int
    status: Status = Status.SUBMITTED
    budget_eur: float | None = None
    decision_reason: str | None = None
    neighbourhood_hint: str | None = None  # a table's "Wijk" cell
    applicant: str | None = None  # as written: "HERENTALS, GROBBENDONK EN OLEN", "OCMW Gent"; None: `place`
    places: tuple[str, ...] = ()  # every place the applicant names, lead first; () means (place,)
    list_rule: ListRule = ListRule.NUMBERED_DASH
    heading_box: HeadingBox | None = None


@dataclass(frozen=True)
class HeadingBox:
    """Where an application's heading line stands: page and bounding box (PDF points, top-left origin)."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True)
class ApplicationPlace:
    """One municipality of an application, in the order the applicant names them (position 1: the lead).

    A row of the application_municipalities table (with its application's doc_id and item_number).
    """

    position: int
    municipality: str | None  # None: named but not resolved (the name is in `written`)
    nis_code: str | None
    province: str | None
    sub_municipality: str | None
    written: str  # the place as printed


@dataclass(frozen=True)
class ThemeMatch:
    theme: str
    terms: tuple[str, ...]  # the matched words, in order of appearance


@dataclass(frozen=True)
class Application:
    doc_id: str
    item_number: int
    municipality: str | None
    nis_code: str | None
    province: str | None
    sub_municipality: str | None
    neighbourhoods: tuple[str, ...]
    title: str
    summary: str
    themes: tuple[str, ...]
    status: Status
    budget_eur: float | None
    decision_reason: str | None
    page_start: int
    page_end: int
    theme_terms: tuple[ThemeMatch, ...] = ()
    applicant: str | None = None  # as written; the place as printed when the applicant is a municipality
    municipalities: tuple[ApplicationPlace, ...] = ()  # lead first; the single place columns hold the lead
    list_rule: ListRule = ListRule.NUMBERED_DASH
    heading_box: HeadingBox | None = None


# --- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    doc_id: str
    source_file: str
    sha256: str
    doc_type: DocType
    question_number: int
    question_date: dt.date
    questioner: str
    minister: str
    minister_title: str
    title: str
    n_pages: int
    declared_application_count: int | None
    application_count: int
    # the Parliament's own metadata, joined from `parlq fetch`'s sidecar (None without one)
    vlpar_id: str | None = None
    zittingsjaar: str | None = None
    parliament_themes: tuple[str, ...] | None = None
    answer_date: dt.date | None = None
    source_url: str | None = None


@dataclass(frozen=True)
class SectionRow:
    doc_id: str
    kind: SectionKind
    number: int
    text: str


@dataclass(frozen=True)
class Failure:
    """A document or record that could not be processed: a status, not a crash."""

    source_file: str
    sha256: str | None
    stage: Stage
    error: str  # a FailureKind, or at stage validate the ValidationCheck the row failed
    message: str  # a sentence a person can act on


@dataclass(frozen=True)
class SourceMeta:
    """What the Parliament says about a document, read from its sidecar (`parlq fetch`); any field may be missing."""

    vlpar_id: str | None = None
    zittingsjaar: str | None = None
    parliament_themes: tuple[str, ...] | None = None
    answer_date: dt.date | None = None
    source_url: str | None = None
    # compared with what the PDF says; the PDF's values are kept
    question_number: int | None = None
    questioner: str | None = None
    minister: str | None = None


@dataclass(frozen=True)
class MetadataConflict:
    """A field on which the PDF and the Parliament's metadata disagree; the dataset keeps the PDF's value."""

    source_file: str
    field: str  # "question_number", "questioner", "minister"
    pdf: str
    parliament: str


@dataclass(frozen=True)
class SourceFile:
    """One input found below SOURCE_DIR."""

    path: str  # relative to SOURCE_DIR, POSIX separators
    location: str  # absolute path or URL the reader opens
    sha256: str
    size: int
    meta: SourceMeta | None = None  # from its sidecar, when `parlq fetch` wrote one
    # sha256 of `meta` (pipeline.sources.vlpar.sidecar.meta_digest): with the content, what makes the input
    # "unchanged" (cache key, carry over, snapshot id); None without a sidecar
    meta_sha256: str | None = None


@dataclass(frozen=True)
class DocumentResult:
    """Everything one source document produced: a document row, or failures, or both.

    A read/parse failure leaves `document` None; validate/extract failures sit beside the rows.
    """

    source_file: str
    sha256: str
    n_pages: int
    document: DocumentRow | None
    sections: tuple[SectionRow, ...] = ()
    applications: tuple[Application, ...] = ()
    failures: tuple[Failure, ...] = ()
    max_budget_eur: float | None = None  # "maximale budget voor één project", when stated
    conflicts: tuple[MetadataConflict, ...] = ()  # the PDF vs its sidecar (pipeline.dataset.join)
    # what a person should know but no row says: an ambiguous list, an applicant without a municipality
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_id: str
    path: str  # folder of the snapshot
    published: bool  # False when LATEST already pointed at this id: nothing was rewritten
    row_counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class FieldChange:
    """One column of a row that differs between two snapshots."""

    column: str
    old: object
    new: object


@dataclass(frozen=True)
class RowDiff:
    """A row added, removed or changed between two snapshots, identified by its table key."""

    key: tuple[object, ...]  # values of the table's key columns
    label: str  # a short description a person recognises (file and title, place and title)
    changes: tuple[FieldChange, ...] = ()  # changed rows only


@dataclass(frozen=True)
class TableDiff:
    table: str
    key: tuple[str, ...]  # key column names
    added: tuple[RowDiff, ...]
    removed: tuple[RowDiff, ...]
    changed: tuple[RowDiff, ...]


@dataclass(frozen=True)
class SnapshotDiff:
    old_id: str
    new_id: str
    tables: tuple[TableDiff, ...]  # tables present in both snapshots, in schema order
    notes: tuple[str, ...] = ()  # e.g. a table or column present in only one snapshot


@dataclass(frozen=True)
class RunSummary:
    """What one run did, for the terminal, the run artifacts and the exit status."""

    inputs: int  # PDF files found below SOURCE_DIR
    documents: int  # published documents rows
    parsed: int  # documents processed in this run
    cached: int  # documents taken from the cache
    failed: int  # inputs that ended in failures (duplicates not counted)
    duplicates: int
    sections: int
    applications: int
    failures: int  # rows in the failures table
    snapshot_id: str
    snapshot_path: str
    published: bool
    failure_rows: tuple[Failure, ...] = ()  # what the failures table holds, duplicates included
    conflicts: tuple[MetadataConflict, ...] = ()  # PDF vs sidecar, of the documents joined in this run
    # a sidecar that could not be read (its columns are null), a list too ambiguous to take rows from,
    # an applicant that names no municipality: one line each, "<source file>: <sentence>"
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CarryPlan:
    """Inputs a run takes over from the previous snapshot, unchanged, instead of processing them again.

    Their rows are copied from that snapshot's tables by the writer: documents, sections and
    applications by doc_id, failures by source file.
    """

    snapshot_path: str  # folder of the previous snapshot (same code and schema version)
    sources: tuple[SourceFile, ...]  # the carried inputs, as this run's discovery found them
    documents: tuple[tuple[str, str], ...]  # (path, doc_id) of those with a document row
    pages: tuple[tuple[str, int | None], ...]  # (path, pages) of each carried input, for the manifest
    failures: tuple[Failure, ...]  # their rows of the failures table
    sections: int  # their rows of the sections and applications tables
    applications: int
    warnings: tuple[tuple[str, str], ...] = ()  # (path, warning) of theirs, from the previous snapshot's manifest

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(s.path for s in self.sources)

    @property
    def doc_ids(self) -> frozenset[str]:
        return frozenset(doc_id for _, doc_id in self.documents)


@dataclass(frozen=True)
class StoredFile:
    """A file found below a folder or URL (pipeline.storage), before it is hashed."""

    path: str  # relative to the root, POSIX separators
    location: str  # absolute local path or full URL
    size: int
