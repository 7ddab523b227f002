"""A written question's detail record: read and checked, or a clear failure. Pure functions.

The record is kept as received (it goes into the sidecar); only what the fetch needs is read
from it: the id, the parliamentary year (for the folder) and the file URLs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from pipeline.sources.vlpar.config import FailureKind

_ID = re.compile(r"[0-9]{1,12}")
_YEAR = re.compile(r"[0-9]{4}-[0-9]{4}")


class Role(StrEnum):
    DOCUMENT = "document"  # the question with its answer
    ANNEX = "bijlage"  # never processed as a document of its own


@dataclass(frozen=True)
class FileRef:
    """One file of a question and the stem of its name in the folder (`<ID>`, `<ID>.bijlage-<n>`)."""

    url: str
    role: Role
    stem: str
    title: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    zittingsjaar: str
    files: tuple[FileRef, ...]
    record: Mapping[str, object]  # the detail as received


class DetailError(ValueError):
    """A detail record the fetch cannot use, with its failure kind."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def build_detail_url(api_base: str, question_id: str) -> str:
    """The open data URL of one written question (the id must have passed check_id)."""
    return f"{api_base}/e/opendata/schv/{check_id(question_id)}"


def check_id(text: object) -> str:
    """An id as digits only: it becomes part of a file name."""
    value = str(text) if isinstance(text, int | str) and not isinstance(text, bool) else ""
    if not _ID.fullmatch(value):
        raise DetailError(FailureKind.BAD_ID, f"id {text!r} is not a number; nothing was written for it.")
    return value


def check_year(text: object) -> str:
    """A parliamentary year as NNNN-NNNN: it becomes a folder name."""
    if not isinstance(text, str) or not _YEAR.fullmatch(text):
        raise DetailError(FailureKind.BAD_ID, f"parliamentary year {text!r} is not NNNN-NNNN.")
    return text


def parse_detail(body: object, expected_id: str, year_hint: str | None = None) -> Question:
    """The question in a detail record; `year_hint` (from the search) when the record lacks its year."""
    record = _unwrap(body)
    if record is None:
        raise DetailError(FailureKind.NOT_JSON, f"the detail of {expected_id} is not a JSON object.")
    if "id" not in record:
        raise DetailError(FailureKind.MISSING_FIELD, f"the detail of {expected_id} has no id.")
    question_id = check_id(record["id"])
    if question_id != expected_id:
        raise DetailError(FailureKind.BAD_ID, f"asked for {expected_id}, the detail is of {question_id}.")
    year = _read_year(record.get("zittingsjaar")) or year_hint
    if year is None:
        raise DetailError(FailureKind.MISSING_FIELD, f"the detail of {question_id} has no zittingsjaar.")
    documents = _urls(record.get("bestand-ordered"), ("URL", "url"))
    if not documents:
        raise DetailError(FailureKind.MISSING_FIELD, f"the detail of {question_id} has no bestand-ordered file.")
    files = [
        FileRef(url=url, role=Role.DOCUMENT, stem=question_id if n == 1 else f"{question_id}.{n}", title=title)
        for n, (url, title) in enumerate(documents, start=1)
    ]
    files += [
        FileRef(url=url, role=Role.ANNEX, stem=f"{question_id}.bijlage-{n}", title=title)
        for n, (url, title) in enumerate(_urls(record.get("bijlage"), ("url", "URL")), start=1)
    ]
    return Question(id=question_id, zittingsjaar=check_year(year), files=tuple(files), record=record)


def _unwrap(body: object) -> Mapping[str, object] | None:
    # a record may come wrapped in one key (as the bulk service wraps its items); take what holds the id
    if not isinstance(body, Mapping):
        return None
    if "id" not in body and len(body) == 1:
        (inner,) = body.values()
        if isinstance(inner, Mapping):
            return inner
    return body


def _read_year(value: object) -> str | None:
    if isinstance(value, Mapping):  # {id, naam, ...} as the parliamentary years service gives it
        value = value.get("naam")
    return value if isinstance(value, str) and value else None


def _urls(entries: object, keys: tuple[str, ...]) -> list[tuple[str, str | None]]:
    if isinstance(entries, Mapping):
        entries = [entries]
    found = []
    for entry in entries if isinstance(entries, list) else []:
        url = next((entry[k] for k in keys if isinstance(entry, Mapping) and isinstance(entry.get(k), str)), None)
        if url:
            title = entry.get("titel")
            found.append((url, title if isinstance(title, str) else None))
    return found
