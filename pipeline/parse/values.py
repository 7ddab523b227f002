"""Parsers for Dutch values in running text: dates, amounts, counts and names.

Each takes a string and returns a value or raises ValueError; none ever raises anything else.
"""

from __future__ import annotations

import datetime as dt
import math
import re

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "febr": 2, "maart": 3, "mrt": 3, "april": 4,
    "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

NUMBER_WORDS = {
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
    "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15,
    "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19, "twintig": 20, "dertig": 30,
    "veertig": 40, "vijftig": 50,
}  # fmt: skip

_DATE = re.compile(r"(\d{1,2})\s+([a-zé]+)\.?\s+(\d{4})", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def parse_dutch_date(text: str) -> dt.date:
    """'1 oktober 2021', '1 okt. 2021' or '01/10/2021' to a date."""
    match = _DATE.search(text)
    if match and match.group(2).lower() in MONTHS:
        day, month, year = int(match.group(1)), MONTHS[match.group(2).lower()], int(match.group(3))
    else:
        numeric = _NUMERIC_DATE.search(text)
        if not numeric:
            raise ValueError(f"no Dutch date in {text!r}")
        day, month, year = (int(g) for g in numeric.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"not a real date: {text!r}") from None


_SCALE = {"miljoen": 1e6, "mio": 1e6, "mio.": 1e6, "miljard": 1e9}


def parse_amount(text: str) -> float:
    """A Dutch-formatted euro amount: '800.000', '612.500,50', '€ 1,2 miljoen', '50 000 euro'."""
    cleaned = text.replace("\u00a0", " ").strip()
    scaled = re.search(r"(\d+)(?:,(\d+))?\s*(miljoen|mio\.?|miljard)", cleaned, re.IGNORECASE)
    if scaled:
        value = float(f"{scaled.group(1)}.{scaled.group(2) or '0'}")
        return _finite(round(value * _SCALE[scaled.group(3).lower()], 2), text)
    match = re.search(r"(\d{1,3}(?:[.\s]\d{3})+|\d+)(?:,(\d{1,2}))?(?!\d)", cleaned)
    if not match:
        raise ValueError(f"no amount in {text!r}")
    whole = re.sub(r"[.\s]", "", match.group(1))
    return _finite(float(f"{whole}.{match.group(2) or '0'}"), text)


def _finite(value: float, text: str) -> float:
    # a run of 309 digits is "inf" as a float: not an amount
    if not math.isfinite(value):
        raise ValueError(f"amount out of range in {text[:40]!r}")
    return value


_DECLARED = re.compile(
    r"\b(?:er\s+(?:werden|zijn|werd)|in\s+totaal\s+(?:werden|zijn))\s+(?:in\s+totaal\s+)?(\d{1,4}|[a-zé]+)\s+"
    r"(?:\w+\s+){0,2}?(aanvragen|projectaanvragen|projecten|dossiers|voorstellen|projectvoorstellen|aanvraag|project)\b"
    r"[^.]{0,60}?\b(ingediend|geselecteerd|goedgekeurd|weerhouden|ontvangen|aanvaard)",
    re.IGNORECASE,
)


def find_declared_count(text: str) -> tuple[int, str] | None:
    """The declared number of applications and its verb: ('Er werden 20 aanvragen ingediend') -> (20, 'ingediend')."""
    match = _DECLARED.search(text)
    if not match:
        return None
    raw = match.group(1).lower()
    if raw.isdigit():
        return int(raw), match.group(3).lower()
    if raw in NUMBER_WORDS:
        return NUMBER_WORDS[raw], match.group(3).lower()
    return None


_MAX_BUDGET = re.compile(
    r"maxim(?:ale|aal|um)\s+(?:budget|subsidie|bedrag|steun)[^.]{0,80}?"
    r"((?:€\s*)?\d[\d.\s]*(?:,\d+)?\s*(?:miljoen\s*)?(?:euro|EUR|€)|€\s*\d[\d.\s]*(?:,\d+)?(?:\s*miljoen)?)",
    re.IGNORECASE,
)


def find_max_budget(text: str) -> float | None:
    """The stated maximum per project ('het maximale budget voor één project 800.000 euro'), if any."""
    match = _MAX_BUDGET.search(text)
    if not match:
        return None
    try:
        return parse_amount(match.group(1))
    except ValueError:
        return None


_PARTICLES = frozenset(
    {"van", "de", "der", "den", "ter", "ten", "het", "'t", "le", "la", "du", "d'", "vanden", "vander"}
)


def proper_case_name(text: str) -> str:
    """'CHRIS JANSSENS' -> 'Chris Janssens'; 'KOEN VAN DEN HEUVEL' -> 'Koen Van den Heuvel'."""
    words = text.split()
    out: list[str] = []
    in_particles = False
    for index, word in enumerate(words):
        low = word.lower()
        if index > 0 and low in _PARTICLES:
            # Flemish usage: the first particle of a surname is capitalised, the ones after it not
            out.append(low if in_particles else _capitalise(low))
            in_particles = True
            continue
        in_particles = False
        out.append("-".join(_capitalise_apostrophe(part) for part in low.split("-")))
    return " ".join(out)


_LOWER_TITLE_WORDS = frozenset(
    {"van", "de", "het", "en", "voor", "minister", "ministers", "president", "viceminister", "in", "op", "met",
     "bij", "of", "tot", "aan", "te", "der", "den", "'t"}
)  # fmt: skip


def proper_case_title(text: str) -> str:
    """A minister's title printed in capitals to its usual case.

    'VLAAMS MINISTER VAN BINNENLANDS BESTUUR' -> 'Vlaams minister van Binnenlands Bestuur'.
    """
    parts = []
    for part in " ".join(text.split()).split(","):
        words = part.split()
        cased = []
        for index, word in enumerate(words):
            pieces = word.lower().split("-")
            new = []
            for p_index, piece in enumerate(pieces):
                first = index == 0 and p_index == 0
                new.append(_capitalise(piece) if first or piece not in _LOWER_TITLE_WORDS else piece)
            cased.append("-".join(new))
        parts.append(" ".join(cased))
    return ", ".join(p for p in parts if p)


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]


def _capitalise_apostrophe(word: str) -> str:
    # D'HAESE -> D'Haese, O'NEILL -> O'Neill
    head, sep, tail = word.partition("'")
    if sep and len(head) == 1 and tail:
        return head.upper() + sep + _capitalise(tail)
    return _capitalise(word)


_PROSE_AMOUNT = re.compile(
    r"(?:€|\bEUR)\s*\d{1,3}(?:[.\s\u00a0]\d{3})+(?:,\d{1,2})?(?:\s*(?:miljoen|mio\.?|miljard))?"
    r"|(?:€|\bEUR)\s*\d+(?:,\d+)?(?:\s*(?:miljoen|mio\.?|miljard))?"
    r"|\b\d{1,3}(?:[.\s\u00a0]\d{3})*(?:,\d+)?\s*(?:miljoen|mio\.?|miljard)?\s*(?:euro\b|EUR\b|€)",
    re.IGNORECASE,
)
_GRANT_CUE = re.compile(
    r"subsidie|toegekend|toegewezen|ontvangt|ontving|krijgt|kreeg|bedraagt|steun|toelage|middelen|bijdrage|"
    r"goedgekeurd\s+voor|voor\s+een\s+bedrag",
    re.IGNORECASE,
)
# an amount per year or per inhabitant, a maximum or a total is not what one application gets
_NOT_GRANT = re.compile(r"^\s*(?:per|/|\bpro\b)|maxim|\btotaal\b|\bin\s+totaal\b|gemiddeld", re.IGNORECASE)
# a clause about the whole investment or its estimate names another amount than the grant
_NOT_GRANT_CLAUSE = re.compile(r"investering|geraamd|raming|kostprijs|totale|totaalbedrag|begroting", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý(])|;\s*")
_EURO_HINT = re.compile(r"€|[Ee][Uu][Rr]")  # every amount _PROSE_AMOUNT finds contains one


def find_amounts(text: str) -> list[tuple[float, int, int]]:
    """Every euro amount written in prose, with its span: '2,6 miljoen euro', '€ 2.800.000', 'EUR 380.000'."""
    found = []
    for match in _PROSE_AMOUNT.finditer(text):
        try:
            found.append((parse_amount(match.group()), match.start(), match.end()))
        except ValueError:
            continue
    return found


def find_granted_amount(text: str) -> float | None:
    """The amount an application gets, read from prose: the first amount in a sentence about a grant.

    "Het project krijgt 60.000 euro." -> 60000.0; "een buurtbudget van 15.000 euro per jaar" -> None.
    """
    if not _EURO_HINT.search(text) or not _GRANT_CUE.search(text):
        return None  # most summaries name no amount: one quick scan each instead of one per sentence
    for sentence in _SENTENCES.split(text):
        if not _GRANT_CUE.search(sentence) or _NOT_GRANT_CLAUSE.search(sentence):
            continue
        for value, start, end in find_amounts(sentence):
            before = sentence[max(0, start - 30):start]
            if value > 0 and not _NOT_GRANT.search(sentence[end:end + 12]) and not _NOT_GRANT.search(before):
                return value
    return None
