"""Engine-neutral structural checks of a PDF file's bytes, run before any reader opens it.

PDF libraries silently repair broken cross-reference tables by scanning the file; data read from
such a file may be partial, so a damaged file is reported instead of published.
"""

from __future__ import annotations

import re

from pipeline.model.errors import DocumentError
from pipeline.model.kinds import FailureKind, Stage

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF", re.S)
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_SUBSECTION = re.compile(rb"(\d+) (\d+)\s*$")


def check_pdf_bytes(data: bytes) -> None:
    """Raise DocumentError(Stage.READ, ...) when `data` is not an intact PDF file."""
    if not data.strip():
        raise DocumentError(Stage.READ, FailureKind.EMPTY_FILE, "The file is empty; replace it with the real PDF.")
    if not data[:1024].lstrip().startswith(b"%PDF-"):
        raise DocumentError(
            Stage.READ, FailureKind.NOT_A_PDF, "The file does not start with a PDF header; it is not a PDF document."
        )
    tail = data[-2048:]
    if b"%%EOF" not in tail:
        raise DocumentError(
            Stage.READ,
            FailureKind.DAMAGED,
            "The PDF ends before its end-of-file marker (truncated); download it again.",
        )
    found = _STARTXREF.findall(tail)
    if not found:
        raise DocumentError(
            Stage.READ, FailureKind.DAMAGED, "The PDF has no cross-reference pointer; the file is damaged."
        )
    _check_xref(data, int(found[-1]))


def _check_xref(data: bytes, offset: int) -> None:
    """Follow the newest cross-reference section and check that its in-use entries point at objects."""
    if offset >= len(data):
        raise DocumentError(
            Stage.READ, FailureKind.DAMAGED, "The PDF's cross-reference pointer lies past the end of the file."
        )
    head = data[offset : offset + 32]
    if re.match(rb"\d+\s+\d+\s+obj", head):
        return  # a cross-reference stream; its objects are checked by the reader's strict open
    if not head.startswith(b"xref"):
        raise DocumentError(
            Stage.READ,
            FailureKind.DAMAGED,
            "The PDF's cross-reference table is not where the file says; the file is damaged.",
        )
    end = data.find(b"trailer", offset)
    if end < 0:
        raise DocumentError(
            Stage.READ, FailureKind.DAMAGED, "The PDF's cross-reference table has no trailer; the file is damaged."
        )
    number = 0
    for raw in data[offset + 4 : end].splitlines():
        line = raw.strip()
        if not line:
            continue
        sub = _SUBSECTION.match(line)
        entry = _XREF_ENTRY.match(line)
        if entry:
            obj_offset, gen, kind = int(entry.group(1)), int(entry.group(2)), entry.group(3)
            if kind == b"n" and not _object_at(data, obj_offset, number, gen):
                raise DocumentError(
                    Stage.READ,
                    FailureKind.DAMAGED,
                    f"Object {number} is not where the PDF's cross-reference table says; the file is damaged.",
                )
            number += 1
        elif sub:
            number = int(sub.group(1))
        else:
            raise DocumentError(
                Stage.READ, FailureKind.DAMAGED, "The PDF's cross-reference table is malformed; the file is damaged."
            )


def _object_at(data: bytes, offset: int, number: int, gen: int) -> bool:
    return re.match(rb"\s*%d\s+%d\s+obj" % (number, gen), data[offset : offset + 40]) is not None
