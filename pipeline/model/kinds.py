"""The closed vocabularies of the dataset and its failures, as `str`-valued enums.

Members are `str`s: they compare equal to, hash like and format as their values, and Arrow and
JSON write them as those values, so the dataset holds exactly these strings. The schema's enums
(schemas/dataset.json) list the same values; tests/model/test_kinds.py holds them together.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """The step a failure happened in: the failures table's `stage`."""

    READ = "read"
    PARSE = "parse"
    EXTRACT = "extract"
    VALIDATE = "validate"


class FailureKind(StrEnum):
    """Why an input was not taken, read or parsed: a failure's `error` outside validation.

    A failure of stage validate names the check the row failed instead (`ValidationCheck`).
    """

    # discovery and reading the file
    DUPLICATE = "duplicate"
    OUTSIDE_SOURCE_DIR = "outside_source_dir"
    BAD_FILE_NAME = "bad_file_name"
    NOT_A_FILE = "not_a_file"
    UNREADABLE = "unreadable"
    CHANGED_DURING_RUN = "changed_during_run"
    # the run's limits and its worker processes
    TOO_LARGE = "too_large"
    TOO_MANY_PAGES = "too_many_pages"
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out_of_memory"
    WORKER_CRASHED = "worker_crashed"
    # the PDF itself
    EMPTY_FILE = "empty_file"
    NOT_A_PDF = "not_a_pdf"  # named .pdf, but its bytes are not a PDF
    NOT_PDF = "not_pdf"  # a fetched document in another format (doc, docx, rtf, xlsx): never read
    DAMAGED = "damaged"
    ENCRYPTED = "encrypted"
    NO_TEXT_LAYER = "no_text_layer"
    # the written question in it
    NOT_A_WRITTEN_QUESTION = "not_a_written_question"
    NO_QUESTION_TEXT = "no_question_text"
    INCOMPLETE_METADATA = "incomplete_metadata"
    INCONSISTENT_METADATA = "inconsistent_metadata"
    NO_DATE = "no_date"
    BAD_DATE = "bad_date"
    # a bug in parlq on this document
    INTERNAL_ERROR = "internal_error"


class ValidationCheck(StrEnum):
    """A check a row failed: the `error` of a failure of stage validate."""

    # from the schema (pandera's own name for a check parlq does not define passes through as is)
    TYPE = "type"
    NOT_NULL = "not_null"
    PATTERN = "pattern"
    ENUM = "enum"
    MIN = "min"
    UNIQUE = "unique"
    SCHEMA = "schema"  # pandera failed without saying which rows
    # the domain
    NIS_CODE_KNOWN = "nis_code_known"
    PROVINCE_CONSISTENT = "province_consistent"
    THEME_VOCABULARY = "theme_vocabulary"
    ITEM_NUMBER_RANGE = "item_number_range"
    BUDGET_MAX = "budget_max"
    QUESTION_DATE_NOT_FUTURE = "question_date_not_future"
    DECLARED_COUNT = "declared_count"  # checked per list by the segmenter
    NO_DOCUMENT = "no_document"  # sections or applications without their document row


class SectionKind(StrEnum):
    """What a numbered section of a written question is: the sections table's `kind`."""

    QUESTION = "question"
    ANSWER = "answer"


class Status(StrEnum):
    """Where an application stands, as the answer lists it: the applications table's `status`."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class DocType(StrEnum):
    """The kind of parliamentary document: the documents table's `doc_type`."""

    SCHRIFTELIJKE_VRAAG = "schriftelijke_vraag"  # a written question and its answer


class ListRule(StrEnum):
    """The rule that found an application, how its list was written: the applications table's `list_rule`."""

    NUMBERED_DASH = "numbered-dash"  # "1. GENT – Title"
    NUMBERED_COLON = "numbered-colon"  # "1) Gent: Title"
    NUMBERED_PAREN = "numbered-paren"  # "a. Title (Gent)"
    BULLET_COLON = "bullet-colon"  # "• Gent: Title (€ 120.000)"
    BULLET_DASH = "bullet-dash"  # "– Gent – Title"
    BULLET_PAREN = "bullet-paren"  # "▪ Title (Brugge) (€ 280.000)"
    PLACE_IN_PARENTHESES = "place-in-parentheses"  # "Title (Ronse – Glorieux)" without a marker
    HEADING_BLOCK = "heading-block"  # the municipality on a line of its own, then title and summary
    TABLE_RULED = "table-ruled"
    TABLE_UNRULED = "table-unruled"
