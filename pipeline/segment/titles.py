"""Where an item's title ends and its summary starts, and which status a list's heading announces."""

from __future__ import annotations

import re

from pipeline.model.document import Line
from pipeline.model.kinds import Status

REJECTED = re.compile(
    r"niet\s+(?:weerhouden|geselecteerd|aanvaard|goedgekeurd|ontvankelijk|in\s+aanmerking)|geweigerd|afgewezen|afgekeurd",
    re.IGNORECASE,
)
ACCEPTED = re.compile(r"geselecteerd|weerhouden|goedgekeurd|aanvaard|toegekend|toegewezen", re.IGNORECASE)
RESERVE = re.compile(r"\breserve(?:lijst)?\b|\bwachtlijst\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý0-9“‘\"'(])")


def title_line_count(lines: tuple[Line, ...], full_from: float) -> int:
    """How many leading lines of an item paragraph form its heading.

    Bold tells when the title is set apart; otherwise a title wraps while its line is full and the
    next line is short or starts in lower case (and is not the paragraph's last line).
    """
    if not lines:
        return 0
    if lines[0].bold_prefix:
        count = 0
        while count < len(lines) and lines[count].bold_prefix >= len(lines[count].text.rstrip()) - 1:
            count += 1
        return max(count, 1)
    count = 1
    while count < len(lines) - 1:
        prev, nxt = lines[count - 1], lines[count]
        starts_lower = nxt.text[:1].islower()
        if prev.x1 >= full_from and (starts_lower or nxt.x1 < full_from):
            count += 1
            if nxt.x1 < full_from:
                break
        else:
            break
    return count


def status_of(intro: str) -> Status:
    """The status the sentences right before a list announce: rejected, accepted, else submitted."""
    text = " ".join(_SENTENCE.split(intro.strip())[-3:])  # the sentences right before the list announce it
    if REJECTED.search(text):
        return Status.REJECTED
    if RESERVE.search(text):
        return Status.SUBMITTED  # "Reservelijst": not (yet) selected
    if ACCEPTED.search(text):
        return Status.ACCEPTED
    return Status.SUBMITTED


def announced_status(intro: str) -> Status | None:
    """Like `status_of`, knowing more ways to say it, and None when the intro says nothing of a status.

    A reserve list ("op de reservelijst") is submitted, not accepted; "keurde ik 14 projecten goed",
    "werden gesubsidieerd" are accepted.
    """
    text = " ".join(_SENTENCE.split(intro.strip())[-3:])
    if REJECTED.search(text) or _NOT_GRANTED.search(text):
        return Status.REJECTED
    if RESERVE.search(text):
        return Status.SUBMITTED
    if ACCEPTED.search(text) or _GRANTED.search(text):
        return Status.ACCEPTED
    if _SUBMITTED.search(text):
        return Status.SUBMITTED
    return None


_GRANTED = re.compile(
    r"gesubsidieerd|keurde\w*\s+(?:[\w.,]+\s+){0,5}goed\b|krijgen\s+(?:\w+\s+){0,2}subsidie|"
    r"ontvangen\s+(?:\w+\s+){0,2}subsidie|\bondersteund\b|\bgeselecteerde\b|"
    r"positie(?:f|ve)\s+(?:\w+\s+)?(?:advies|beslissing|beoordeling)",
    re.IGNORECASE,
)
_NOT_GRANTED = re.compile(
    r"niet\s+(?:\w+\s+){0,3}(?:gesubsidieerd|goedgekeurd|geselecteerd|weerhouden)|onontvankelijk|"
    r"negatie(?:f|ve)\s+(?:\w+\s+)?(?:advies|beslissing|beoordeling)",
    re.IGNORECASE,
)
_SUBMITTED = re.compile(r"ingediend|ontvangen|ontving|dienden|aanvragen\b|kandidaturen|voorstellen\b", re.IGNORECASE)
