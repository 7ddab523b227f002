"""Files `parlq fetch` wrote: which names are its documents, their sidecars, and its documents that are not PDF.

A fetched question is `<ID>.<ext>` (a second document file `<ID>.<n>.<ext>`) beside its sidecar
`<ID>.json`; annexes are `<ID>.bijlage-<n>.<ext>` and never documents. Only names of that form
with that sidecar beside them count as fetched: a stray `notes.docx` or `x.json` elsewhere below
SOURCE_DIR is not taken for one.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from pipeline.model.kinds import FailureKind, Stage
from pipeline.model.records import Failure, SourceFile
from pipeline.sources.vlpar.sidecar import load_sidecar, meta_digest

# The formats a fetch stores besides PDF (pipeline.sources.vlpar.files.EXTENSIONS), as a person names them.
OTHER_FORMATS = {
    "doc": "a Word 97-2003 document (.doc)",
    "docx": "a Word document (.docx)",
    "rtf": "an RTF document (.rtf)",
    "xlsx": "an Excel workbook (.xlsx)",
}
_FETCHED = re.compile(r"([0-9]{1,12})(?:\.[0-9]{1,3})?\.([a-z]{2,4})")


def sidecar_name(name: str, siblings: frozenset[str]) -> str | None:
    """The sidecar of a fetched document file named `name` when it lies beside it, else None (annexes: None)."""
    found = _FETCHED.fullmatch(name.lower())
    if found is None or found.group(2) not in {"pdf", *OTHER_FORMATS}:
        return None
    sidecar = f"{name[: len(found.group(1))]}.json"
    return sidecar if sidecar in siblings else None


def is_fetched_other(name: str, siblings: frozenset[str]) -> bool:
    """Whether `name` is a document `parlq fetch` stored in a format other than PDF (doc, docx, rtf, xlsx)."""
    return not name.lower().endswith(".pdf") and sidecar_name(name, siblings) is not None


def not_pdf_failure(source: SourceFile) -> Failure:
    """The failure row of a fetched document that is not a PDF: parlq reads PDF only."""
    extension = source.path.rsplit(".", 1)[-1].lower()
    kind = OTHER_FORMATS.get(extension, f"a .{extension} file")
    message = (
        f"{source.path} is {kind}, not a PDF: the Parliament published this question in that format and"
        " parlq reads PDF only, so it has no document row."
    )
    return Failure(source.path, source.sha256 or None, Stage.READ, FailureKind.NOT_PDF, message)


def attach_sidecar(source: SourceFile, path: Path, siblings: frozenset[str]) -> tuple[SourceFile, tuple[str, ...]]:
    """The source with its sidecar's metadata and that metadata's digest, and warnings; unchanged without one."""
    name = path.name
    sidecar = sidecar_name(name, siblings)
    if sidecar is None:
        return source, ()
    meta, warnings = load_sidecar(path.parent / sidecar, name)
    shown = tuple(f"{source.path}: {w}" for w in warnings)
    if meta is None:
        return source, shown
    return replace(source, meta=meta, meta_sha256=meta_digest(meta)), shown
