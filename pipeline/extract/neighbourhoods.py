"""The named neighbourhoods an application targets, read from its title and summary.

Pure string rules, no NLP library: names in Dutch policy texts are marked by a cue noun
("de wijk Leeuwbrug", "buurten Den Brand, Omgeving Otterstraat en ..."), by a compound
("Kroonmolenwijk"), by quotes ("de wijk ‘Oude Statie’"), or stand in the title
("Veilig en leefbaar Deurne-Noord", "Bijloke", "Leeuwbrug renoveert").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

_UP = "A-ZÀ-ÖØ-Þ"
_LOW = "a-zß-öø-ÿ"
_WORD = rf"[{_UP}][{_LOW}]+(?:-(?:[{_LOW}]{{1,3}}-)*[{_UP}][{_LOW}]+)*"  # Deurne-Noord, Sint-Joost-ten-Node
_PARTICLE = r"(?:de|den|der|het|ten|ter|van|op|aan)"
_RUN = rf"{_WORD}(?:[ \t\n]+(?:{_PARTICLE}[ \t\n]+)?{_WORD})*"
_SEP = r"(?:\s*,\s*|\s+en\s+|\s*&\s*|\s*–\s*)"
_LIST = rf"{_RUN}(?:{_SEP}{_RUN})*"
_QUOTED = r"[‘'“\"„]([" + _UP + r"][^’'”\"\n]{1,60}?)[’'”\"]"

_CUE = r"(?i:\b(?:woon|stads|deel)?(?:wijk|buurt)(?:en)?)"
# a quoted name after a preposition of place ("in ‘Gaverland’", "in de “Blauwe Wijk”") names an area;
# a quoted name elsewhere is as often a project or a concept ("het “Nieuwe autoriteit”-model")
_QUOTED_PLACE_RE = re.compile(rf"(?i:\b(?:in|rond|naar|uit)[ \t\n]+(?:de[ \t\n]+|het[ \t\n]+)?){_QUOTED}")
_CUE_RE = re.compile(rf"{_CUE}[ \t\n]+(?:{_QUOTED}|(?P<list>{_LIST}))")
_COMPOUND_RE = re.compile(rf"\b[{_UP}][{_LOW}]+(?:wijk|buurt|kwartier)\b(?:[ \t\n]+{_RUN})?")
_TITLE_CUE_RE = re.compile(rf"(?i:\b(?:wijk|buurt)[{_LOW}]*)[ \t\n]+(?P<list>{_LIST})")
_PREPOSITION_RE = re.compile(rf"\b(?:in|te)[ \t\n]+(?P<list>{_RUN})")
_TRAILING_RE = re.compile(rf"(?<=[{_LOW}]\s)(?P<list>{_LIST})\W*$")
_SUBJECT_VERB_RE = re.compile(rf"^(?P<list>{_WORD})\s+[{_LOW}]{{3,}}t\b")
# A parenthesised mixed-case word; all capitals would be an acronym ("(BBT)").
_PARENTHESISED_RE = re.compile(rf"\((?=[^)]*[{_LOW}])([{_UP}][{_UP}{_LOW}]+)\)")
_SEGMENT_SPLIT_RE = re.compile(r"\s*:\s+|\s+[–—-]\s*|\s*[–—]\s+")
_RUN_RE = re.compile(_RUN)
_LIST_ONLY_RE = re.compile(rf"{_LIST}\W*")  # a segment that is a list of names and nothing else
_WORD_RE = re.compile(_WORD)

# Words that look like names in a title but are not ("Wijk", "Samen sterkt", "Het ...").
_NOT_NAMES = frozenset(
    "wijk wijken buurt buurten binnenstad stad stadskern kern dorp dorpskern gemeente centrumstad omgeving "
    "de het een dit deze die dat wat wie hoe samen iedereen men wij we jong oud stadsdeel regio".split()
)
# Rivers, canals and regions are named in summaries as often as areas, and are none: "langs de Schelde",
# "in de Vlaamse Ardennen", "de Zuiderkempen".
_NOT_AREAS_FOLDED = frozenset(
    name.strip()
    for name in (
        "schelde, zeeschelde, bovenschelde, leie, dender, demer, dijle, durme, nete, grote nete, kleine nete, "
        "maas, ijzer, zenne, rupel, gete, herk, mandel, kanaal, albertkanaal, zuid-willemsvaart, kempen, "
        "noorderkempen, zuiderkempen, voorkempen, westhoek, pajottenland, meetjesland, waasland, haspengouw, "
        "vlaamse ardennen, scheldeland, leiestreek, hageland, maasland, denderstreek, dijleland, zennevallei, "
        "druivenstreek, vlaamse rand, groene gordel, polders, kust, westkust, oostkust, middenkust"
    ).split(",")
)
_GENERIC_COMPOUNDS = frozenset(
    "woonwijk stadswijk volkswijk probleemwijk nieuwbouwwijk arbeiderswijk tuinwijk randwijk villawijk "
    "buitenwijk studentenwijk deelwijk achterbuurt volksbuurt woonbuurt stadsbuurt".split()
)
# Fast first passes (each starts with a character class, which `re` scans for at C speed): every
# match of the pattern named contains a match of its hint, so texts without one are not scanned.
_CUE_HINT_RE = re.compile(r"[wWbB](?i:ijk|uurt)")  # the (?i:wijk|buurt) of _CUE_RE
_QUOTED_HINT_RE = re.compile(rf"[‘'“\"„][{_UP}]")
_COMPOUND_HINT_RE = re.compile(rf"[{_UP}][{_LOW}]+(?:wijk|buurt|kwartier)\b")  # _COMPOUND_RE without \b and tail
_DERIVED_ADJECTIVE = re.compile(r"(?i)(?:zame|zaam|lijke|lijk|ige|ig|ische|isch|bare|baar|ende)$")
_CUE_WORD_RE = re.compile(r"(?i)^(?:wijk|buurt)\w*$")


def find_neighbourhoods(
    title: str,
    summary: str,
    municipality: str | None,
    sub_municipality: str | None,
    place_names: frozenset[str],
    is_adjective: Callable[[str], bool] = lambda word: False,
) -> tuple[str, ...]:
    """Named areas of an application in order of first appearance, title before summary.

    `is_adjective` tells a capitalised adjective ("Zorgzame buurt X", "Warme buurt X") from a name.

    `place_names` are known municipality and sub-municipality names (any case). The
    municipality's own name is never a neighbourhood; when nothing else names the area,
    the sub-municipality does ("BRUGGE (ZEEBRUGGE)" -> ("Zeebrugge",)).
    """
    places = _folded(place_names)
    own = (municipality or "").casefold()
    found: list[tuple[int, int, str]] = []
    title_text = _sentence_case(title, places) if _is_all_caps(title) else title
    for position, name in _title_names(title_text, places):
        found.append((0, position, name))
    for source, text in ((0, title_text), (1, summary)):
        for position, name in _marked_names(text):
            found.append((source, position, name))
    names = _clean([name for _, _, name in sorted(found, key=lambda item: item[:2])], own, is_adjective)
    names = tuple(name for name in names if name.casefold() not in _NOT_AREAS_FOLDED)
    if not names and sub_municipality and sub_municipality.casefold() != own:
        return (sub_municipality,)
    return names


@lru_cache(maxsize=8)
def _folded(place_names: frozenset[str]) -> frozenset[str]:
    # the same ~2,750 names come with every application of a document: fold them once
    return frozenset(name.casefold() for name in place_names)


def _marked_names(text: str) -> Iterator[tuple[int, str]]:
    """Names after a cue noun, in quotes after one, or as a Xwijk/Xbuurt compound."""
    for match in _cue_matches(text):
        if match.group(1):
            yield match.start(1), match.group(1)
        else:
            yield from _split_list(match, "list")
    for match in _QUOTED_PLACE_RE.finditer(text) if _QUOTED_HINT_RE.search(text) else ():
        yield match.start(1), match.group(1)
    for match in _compound_matches(text):
        head = match.group(0).split()[0]
        if head.lower() not in _GENERIC_COMPOUNDS or len(match.group(0).split()) > 1:
            yield match.start(), match.group(0)


def _cue_matches(text: str) -> Iterator[re.Match[str]]:
    """`_CUE_RE.finditer(text)`, trying the pattern only where a cue noun or its prefix starts."""
    hints = (hint.start() for hint in _CUE_HINT_RE.finditer(text))
    # "wijk"/"buurt" at h: a match starts at h, or at h - 4 ("woon", "deel") or h - 5 ("stads")
    starts = sorted({start for at in hints for start in (at - 5, at - 4, at) if start >= 0})
    end = 0
    for start in starts:
        if start >= end and (match := _CUE_RE.match(text, start)):
            end = match.end()
            yield match


def _compound_matches(text: str) -> Iterator[re.Match[str]]:
    """`_COMPOUND_RE.finditer(text)`, trying the pattern only where its hint matches.

    No match can start inside a hint's match: that is all lower case, and a match starts upper case.
    """
    end = 0
    for hint in _COMPOUND_HINT_RE.finditer(text):
        if hint.start() >= end and (match := _COMPOUND_RE.match(text, hint.start())):
            end = match.end()
            yield match


def _title_names(title: str, places: frozenset[str]) -> Iterator[tuple[int, str]]:
    """Names a title gives without a cue: a segment that is all names, a trailing name, ..."""
    start = 0
    for piece in [*_SEGMENT_SPLIT_RE.finditer(title), None]:
        end = piece.start() if piece else len(title)
        segment = title[start:end]
        yield from ((start + at, name) for at, name in _segment_names(segment, places))
        start = piece.end() if piece else end
    for match in _PARENTHESISED_RE.finditer(title):
        yield match.start(1), match.group(1)  # "Over de brug (KaDRie)"
    for match in _PREPOSITION_RE.finditer(title):
        yield from _split_list(match, "list")
    for match in _WORD_RE.finditer(title):
        first_part = match.group(0).split("-")[0]
        if match.group(0).casefold() in places or first_part.casefold() in places:
            yield match.start(), match.group(0)


def _segment_names(segment: str, places: frozenset[str]) -> Iterator[tuple[int, str]]:
    stripped = segment.strip()
    offset = segment.find(stripped) if stripped else 0
    if stripped and _LIST_ONLY_RE.fullmatch(stripped):
        for match in _RUN_RE.finditer(stripped):
            yield from ((offset + at, name) for at, name in _capitalised_run(match, places))
        return
    for pattern in (_TITLE_CUE_RE, _TRAILING_RE, _SUBJECT_VERB_RE):
        for match in pattern.finditer(stripped):
            yield from ((offset + at, name) for at, name in _split_list(match, "list"))


def _split_list(match: re.Match[str], group: str) -> Iterator[tuple[int, str]]:
    base = match.start(group)
    for run in _RUN_RE.finditer(match.group(group)):
        yield base + run.start(), run.group(0)


def _capitalised_run(match: re.Match[str], places: frozenset[str]) -> Iterator[tuple[int, str]]:
    """A title segment of capitalised words only: which part of it is a name.

    "Bijloke" and "Oude Statie-Runkst" are names as a whole. After a Wijk-/Buurt- noun the
    rest is the name ("Buurtwerk Sloesveld", "Wijk Centrum Izegem"). Otherwise, when the run
    holds known place names, only they are names: "Veilig Gent", "Bruisend Kessel-Lo".
    """
    words = list(re.finditer(r"\S+", match.group(0)))
    cues = [index for index, word in enumerate(words) if _CUE_WORD_RE.match(word.group(0))]
    if cues:
        rest = words[cues[-1] + 1 :]
        if rest:
            yield match.start() + rest[0].start(), match.group(0)[rest[0].start() :]
        return
    known = [word for word in words if word.group(0).casefold() in places]
    if known and not _COMPOUND_RE.match(match.group(0)):
        yield from ((match.start() + word.start(), word.group(0)) for word in known)
    else:
        yield match.start(), match.group(0)


def _clean(candidates: list[str], own: str, is_adjective: Callable[[str], bool]) -> tuple[str, ...]:
    names: list[str] = []
    for raw in candidates:
        words = raw.strip(" \t\n.,;:!?()‘’'“”\"„").split()
        # a derived adjective ("Zorgzame Wuytsbergen") qualifies the name; "Oude Statie" keeps its "Oude"
        while words and (
            words[0].casefold() == own
            or _CUE_WORD_RE.match(words[0])
            or (len(words) > 1 and _DERIVED_ADJECTIVE.search(words[0]) and is_adjective(words[0]))
        ):
            words = words[1:]
        if len(words) == 1 and is_adjective(words[0]):
            continue
        while words and words[-1].casefold() == own:
            words = words[:-1]
        name = " ".join(words)
        if len(name) < 2 or name.casefold() == own or name.casefold() in _NOT_NAMES:
            continue
        names.append(name)
    names = _split_confirmed(names)
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(name.casefold(), name)
    return tuple(unique.values())


def _split_confirmed(names: list[str]) -> list[str]:
    """'Oude Statie-Runkst' next to 'Oude Statie' names two areas: split it there."""
    result: list[str] = []
    for name in names:
        parts = [name]
        for other in names:
            if other == name or "-" not in name:
                continue
            if name.startswith(other + "-"):
                parts = [other, name[len(other) + 1 :]]
            elif name.endswith("-" + other):
                parts = [name[: -len(other) - 1], other]
        result.extend(parts)
    return result


def _is_all_caps(text: str) -> bool:
    if any(ch.isalpha() for ch in filter(str.islower, text)):
        return False  # a lower-case letter
    return sum(map(str.isalpha, text)) > 1


def _sentence_case(text: str, places: frozenset[str]) -> str:
    """'KROTTEGEM SPRIKT' -> 'Krottegem sprikt'; known place names get their capitals back."""
    words = text.lower().split(" ")
    for index, word in enumerate(words):
        parts = word.split("-")
        if index == 0 or parts[0] in places or word in places:
            words[index] = "-".join(part[:1].upper() + part[1:] for part in parts)
    return " ".join(words)
