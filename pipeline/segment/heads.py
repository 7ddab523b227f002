"""One place-aware parser for the head of a list item: who applies, for what, and where the place stands.

A place (or applicant) stands before a dash or a colon ("GENT – Title", "Gent: Title"), on a
line of its own (a heading), or in parentheses at the end ("Title (Aalst)", "Title (Ronse –
Glorieux)"). An applicant is a municipality, several of them ("HERENTALS, GROBBENDONK EN OLEN"),
or a body that is not a municipality (OCMW, AGB, intercommunale, vzw, a province), with the
municipalities it names. A head whose "title" is a count ("Limburg – 14 aanvragen") is a
statistic, not an application.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pipeline.parse.values import parse_amount


class HeadShape(StrEnum):
    DASH = "dash"
    COLON = "colon"
    PAREN = "paren"
    HEADING = "heading"  # the applicant alone: the title follows on the next line


@dataclass(frozen=True)
class Applicant:
    written: str  # as printed, without a trailing colon
    places: tuple[str, ...]  # the municipalities it names, lead first; () for "vzw De Schakel"
    municipal: bool  # True when the applicant is the municipality (or municipalities) itself


@dataclass(frozen=True)
class Head:
    applicant: Applicant
    title: str
    shape: HeadShape
    area: str | None = None  # "Glorieux" of "(Ronse – Glorieux)"
    budget_eur: float | None = None  # an amount printed in the head ("(€ 120.000)")


PlaceTest = Callable[[str], bool]

# bodies that apply without being a municipality; matched as words anywhere in the applicant
_BODY = re.compile(
    r"\b(?:OCMW|AGB|APB|IGS|EVA|vzw|v\.z\.w\.|intercommunale|intergemeentelijke|projectvereniging|"
    r"dienstverlenende\s+vereniging|opdrachthoudende\s+vereniging|welzijnsvereniging|politiezone|"
    r"hulpverleningszone|autonoom\s+(?:gemeente|provincie)bedrijf|provincie|provinciebestuur|"
    r"woonmaatschappij|sociale\s+huisvestingsmaatschappij|huis\s+van\s+het\s+kind|sociaal\s+huis|"
    r"cv|bv|nv)\b",
    re.IGNORECASE,
)
_PROVINCES = frozenset(
    "antwerpen limburg oost-vlaanderen west-vlaanderen vlaams-brabant henegouwen luik luxemburg namen "
    "waals-brabant".split()
)
_LIST_SPLIT = re.compile(r"\s*,\s*|\s+(?:en|&|and|et)\s+|\s*/\s*", re.IGNORECASE)
_COUNT_TITLE = re.compile(
    r"^(?:\d[\d.]*|één|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|geen)\s+(?:\w+\s+){0,2}?"
    r"(?:aanvragen|aanvraag|projecten|project|dossiers?|voorstellen|voorstel|projectvoorstellen|subsidies?|"
    r"gemeenten|besturen|toekenningen|goedkeuringen|deelnemers|kandidaturen|ingediend|goedgekeurd)\b"
    r"|^\d[\d.,]*\s*(?:%|procent)|^\d[\d.,]*\s*$",
    re.IGNORECASE,
)
_AMOUNT = (
    r"(?:€|EUR|euro)\s*\d[\d.\s]*(?:,\d+)?(?:\s*(?:miljoen|mio\.?))?(?:\s*euro)?"
    r"|\d[\d.\s]*(?:,\d+)?(?:\s*(?:miljoen|mio\.?))?\s*(?:euro|EUR|€)"
)
_TRAILING_AMOUNT = re.compile(rf"\s*(?:[(\[]\s*({_AMOUNT})\s*[)\]]|[–—:,-]\s*({_AMOUNT}))[\s.;]*$", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s+[–—-]\s*|\s*[–—]\s+|\s*:\s+|\s*:$")
_TRAILING_PAREN = re.compile(r"^(?P<title>.*?\S)\s*\((?P<inner>[^()]+)\)[\s.;,]*$", re.S)
_INNER_SPLIT = re.compile(r"\s+[–—-]\s+|\s*[–—]\s*|\s*,\s*|\s*:\s*")


def parse_head(text: str, is_place: PlaceTest) -> Head | None:
    """The applicant, title and shape of an item head, or None when it names no applicant and title."""
    head = " ".join(text.split())
    budget = None
    if amount := _TRAILING_AMOUNT.search(head):
        budget = _amount(amount.group(1) or amount.group(2))
        head = head[: amount.start()].rstrip()
    if not head:
        return None
    whole = parse_applicant(head.rstrip(":"), is_place)
    if whole is not None:
        return Head(whole, "", HeadShape.HEADING, budget_eur=budget)
    for separator in _separators(head):
        left, right = head[: separator.start()], head[separator.end():].strip()
        applicant = parse_applicant(left, is_place)
        if applicant is None:
            continue
        shape = HeadShape.COLON if ":" in separator.group() else HeadShape.DASH
        if not right:
            return Head(applicant, "", HeadShape.HEADING, budget_eur=budget)
        return None if is_statistic(right) else Head(applicant, right, shape, budget_eur=budget)
    return _paren_head(head, is_place, budget) or _trailing_head(head, is_place, budget)


def parse_applicant(text: str, is_place: PlaceTest) -> Applicant | None:
    """Who applies, if `text` names a municipality, several, or a body (with the municipalities it names)."""
    written = " ".join(text.split()).strip(" :")
    if not written or len(written.split()) > 14 or _separators(written):
        return None
    body = _BODY.match(written) is not None  # "vzw De Schakel" starts in lower case
    if not (written[:1].isupper() or body) or _is_province(written) and not is_place(written):
        return None
    if _names_place(written, is_place):
        return Applicant(written, (written,), municipal=True)
    parts = [p for p in _LIST_SPLIT.split(written) if p]
    if len(parts) > 1 and all(_names_place(p, is_place) for p in parts):
        return Applicant(written, tuple(parts), municipal=True)
    if (body or _BODY.search(written)) and _has_name(written):
        return Applicant(written, _body_places(written, is_place), municipal=False)
    return None


def is_statistic(title: str) -> bool:
    """Whether a head's 'title' is a count ("14 aanvragen", "12 aanvragen, waarvan 3 goedgekeurd")."""
    return bool(_COUNT_TITLE.match(title.strip()))


def _separators(head: str) -> list[re.Match[str]]:
    """Dashes and colons outside parentheses, left to right."""
    matches = [m for m in _SEPARATOR.finditer(head) if m.start() > 0]
    if "(" not in head:
        return matches
    return [m for m in matches if head.count("(", 0, m.start()) <= head.count(")", 0, m.start())]


def _paren_head(head: str, is_place: PlaceTest, budget: float | None) -> Head | None:
    match = _TRAILING_PAREN.match(head)
    if not match:
        return None
    title, inner = match.group("title").strip(" –—-:"), match.group("inner").strip()
    parts = [p for p in _INNER_SPLIT.split(inner) if p]
    if not parts or not title or parse_applicant(title, is_place) is not None:
        return None
    applicant = parse_applicant(parts[0], is_place)
    if applicant is None:
        return None
    area = " – ".join(parts[1:]) or None
    if area and budget is None and re.search(_AMOUNT, area, re.IGNORECASE):
        budget, area = _amount(area), None
    if area and applicant.places == (applicant.written,) and "(" not in applicant.written:
        # "(Leuven – Kessel-Lo)": resolved as "Leuven (Kessel-Lo)", the area is a deelgemeente if it is one
        applicant = Applicant(applicant.written, (f"{applicant.written} ({area})",), applicant.municipal)
    return Head(applicant, title, HeadShape.PAREN, area=area, budget_eur=budget)


def _names_place(text: str, is_place: PlaceTest) -> bool:
    """A place name alone, or with its sub-municipality in parentheses ("BRUGGE (ZEEBRUGGE)").

    A title with a place in parentheses ("Speelstraten (Aalst)") is not a place: the part
    before the parentheses must itself be one.
    """
    head, bracket, rest = text.partition("(")
    if bracket:
        inner, closed, tail = rest.partition(")")
        return bool(closed) and not tail.strip() and is_place(head.strip()) and is_place(text)
    return len(text.split()) <= 6 and is_place(text)


def _trailing_head(head: str, is_place: PlaceTest, budget: float | None) -> Head | None:
    """The place after the title's last dash: "Samen in de wijk – Stad Gent"."""
    dashes = [m for m in _separators(head) if ":" not in m.group()]
    if not dashes:
        return None
    title, right = head[: dashes[-1].start()].strip(), head[dashes[-1].end():].strip()
    applicant = parse_applicant(right, is_place)
    if applicant is None or not title or is_statistic(title):
        return None
    return Head(applicant, title, HeadShape.DASH, budget_eur=budget)


def _is_province(text: str) -> bool:
    # a bare province name ("Limburg"); "Provincie Limburg" is a body that can apply
    folded = text.casefold()
    return not folded.startswith("provincie") and " ".join(folded.split()) in _PROVINCES


def _has_name(text: str) -> bool:
    # "vzw" alone or "OCMW" alone names no one; "OCMW Gent", "vzw De Schakel" do
    return len(_BODY.sub("", text).split()) >= 1 or "(" in text


def _body_places(text: str, is_place: PlaceTest) -> tuple[str, ...]:
    """The municipalities a body names: in parentheses, or as the last words ("OCMW Gent")."""
    inner = re.search(r"\(([^()]+)\)", text)
    if inner:
        parts = [p for p in _LIST_SPLIT.split(inner.group(1)) if p]
        if parts and all(is_place(p) for p in parts):
            return tuple(parts)
    words = re.sub(r"\([^()]*\)", " ", text).split()
    for start in range(1, len(words)):
        tail = " ".join(words[start:])
        if not _BODY.fullmatch(tail) and not _is_province(tail) and is_place(tail):
            return (tail,)
    return ()


def _amount(text: str) -> float | None:
    try:
        return parse_amount(text)
    except ValueError:
        return None
