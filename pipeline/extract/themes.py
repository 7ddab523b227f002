"""The theme lexicon: which words signal which policy domain (pure data, no NLP here).

The lexicon lives in `pipeline/data/themes.json`. A term is written in a small notation:
a plain word or phrase matches as a whole; `x-` matches `x` as the first part of a Dutch
compound, `-x` as the last part, `-x-` in any position (see `CompoundStem`). `pipeline.extract.nlp`
turns a `ThemeVocabulary` into spaCy matchers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_VOCABULARY_PATH = Path(__file__).resolve().parents[1] / "data" / "themes.json"

_ID_RE = re.compile(r"^[a-z][a-z_]*$")


@dataclass(frozen=True)
class CompoundStem:
    """A word part that signals a theme inside a compound.

    `leading`: other word material may come before it (the stem is the compound's head);
    `trailing`: material may follow (the stem is a modifier). A stem never matches the bare
    word on its own: the bare word is a plain term.
    """

    text: str
    leading: bool
    trailing: bool

    def __post_init__(self) -> None:
        if len(self.text) < 3 or self.text != self.text.strip().lower() or " " in self.text:
            raise ValueError(f"compound stem must be one lower-case word of 3+ characters: {self.text!r}")
        if not (self.leading or self.trailing):
            raise ValueError(f"compound stem {self.text!r} must allow material on at least one side")

    @property
    def notation(self) -> str:
        return ("-" if self.leading else "") + self.text + ("-" if self.trailing else "")


@dataclass(frozen=True)
class Theme:
    """One policy domain and the words that signal it."""

    id: str
    domain: str
    terms: tuple[str, ...]  # whole words and phrases, lower case
    stems: tuple[CompoundStem, ...]
    excluded: frozenset[str]  # whole words that never count for this theme
    nominal_only: frozenset[str] = frozenset()  # count only as a noun: "het wonen", not "hier wonen ouderen"
    words: frozenset[str] = field(init=False, repr=False, compare=False)  # the one-word terms, from `terms`

    def __post_init__(self) -> None:
        if not _ID_RE.match(self.id):
            raise ValueError(f"theme id must be lower-case letters and underscores: {self.id!r}")
        if not self.terms:
            raise ValueError(f"theme {self.id!r} has no terms")
        for term in (*self.terms, *self.excluded):
            if not term or term != " ".join(term.lower().split()):
                raise ValueError(f"theme {self.id!r}: term must be lower case, single-spaced: {term!r}")
        object.__setattr__(self, "words", frozenset(term for term in self.terms if " " not in term))


@dataclass(frozen=True)
class ThemeVocabulary:
    """All themes, in the order results are reported."""

    themes: tuple[Theme, ...]

    def __post_init__(self) -> None:
        if not self.themes:
            raise ValueError("a vocabulary needs at least one theme")
        if len(set(self.ids)) != len(self.ids):
            raise ValueError(f"duplicate theme ids in {self.ids}")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(theme.id for theme in self.themes)

    def theme(self, theme_id: str) -> Theme:
        """The theme with this id (KeyError when unknown)."""
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(theme_id)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form `vocabulary_from_dict` reads (also used as spaCy component config)."""
        return {
            "themes": [
                {
                    "id": theme.id,
                    "domain": theme.domain,
                    "terms": [*theme.terms, *(stem.notation for stem in theme.stems)],
                    "exclude": sorted(theme.excluded),
                    "nominal_only": sorted(theme.nominal_only),
                }
                for theme in self.themes
            ]
        }


def load_vocabulary(path: Path | None = None) -> ThemeVocabulary:
    """Read a theme vocabulary from JSON (default: the project's `pipeline/data/themes.json`)."""
    source = DEFAULT_VOCABULARY_PATH if path is None else path
    with source.open(encoding="utf-8") as handle:
        return vocabulary_from_dict(json.load(handle))


def vocabulary_from_dict(data: dict[str, Any]) -> ThemeVocabulary:
    """Build a vocabulary from its JSON form, parsing the term notation."""
    themes = []
    for entry in data["themes"]:
        terms: list[str] = []
        stems: list[CompoundStem] = []
        for raw in entry["terms"]:
            parsed = parse_term(raw)
            if isinstance(parsed, CompoundStem):
                stems.append(parsed)
            else:
                terms.append(parsed)
        themes.append(
            Theme(
                id=entry["id"],
                domain=entry.get("domain", ""),
                terms=tuple(dict.fromkeys(terms)),
                stems=tuple(dict.fromkeys(stems)),
                excluded=frozenset(entry.get("exclude", ())),
                nominal_only=frozenset(entry.get("nominal_only", ())),
            )
        )
    return ThemeVocabulary(themes=tuple(themes))


def parse_term(raw: str) -> str | CompoundStem:
    """A plain term (normalised) or a `CompoundStem` for `x-`, `-x` and `-x-`."""
    text = " ".join(raw.lower().split())
    if " " in text or len(text) < 2:
        return text  # phrases and short words are plain terms
    leading = text.startswith("-")
    trailing = text.endswith("-")
    if not (leading or trailing):
        return text
    return CompoundStem(text=text.strip("-"), leading=leading, trailing=trailing)


# --- matching single words against a theme (pure string logic, used by pipeline.extract.nlp) -------

# Endings that leave a word the same word: plural, adjective -e, agent -er, diminutive.
_INFLECTIONS = frozenset({"", "s", "'s", "e", "en", "n", "es", "er", "ers", "je", "jes", "tje", "tjes"})
# A part before a stem that is a verbal prefix, not a compound modifier ("ontzorgen", "verzorgd").
_PREFIXES = frozenset({"ver", "ont", "mis", "toe", "aan", "uit", "door", "over", "onder", "voor", "weg", "tegen"})
# Derivational suffixes: "zorgzame", "woonachtig" are other words, not compounds of the stem.
_DERIVATIONAL = frozenset(
    {"zaam", "zame", "lijk", "lijke", "loos", "loze", "baar", "bare", "achtig", "achtige", "ig", "ige"}
)
_SPLIT_RE = re.compile(r"[-/]")
# the longest ending `_is_inflection` accepts (a doubled consonant + "en" is 3 letters)
_LONGEST_ENDING = max(3, *map(len, _INFLECTIONS))


def match_word(theme: Theme, word: str) -> tuple[int, int] | None:
    """Where in `word` (lower case) a term or compound stem of `theme` matches, else None.

    The whole word is tried first, then each part of a hyphen or slash compound
    ("energie-ingrepen", "buurtbewoners/horeca/stad"); a trailing or leading hyphen marks a
    truncated compound ("woon- en leefkwaliteit"). Returns the (start, end) of the matching part.
    """
    if not word or word in theme.excluded:
        return None
    candidates = [(0, len(word))]
    if _SPLIT_RE.search(word.strip("-")):
        candidates += [(m.start(), m.end()) for m in re.finditer(r"[^-/]+", word)]
    for start, end in candidates:
        part = word[start:end]
        core = part.strip("-")
        if not core or core in theme.excluded:
            continue
        cut_before = part.startswith("-") or (start > 0 and word[start - 1] == "-")
        cut_after = part.endswith("-") or (end < len(word) and word[end] == "-" and end == len(word) - 1)
        if _matches_core(theme, core, cut_before, cut_after):
            return start, end
    return None


def _matches_core(theme: Theme, core: str, cut_before: bool, cut_after: bool) -> bool:
    if not (cut_before or cut_after) and _is_inflection_of_term(theme.words, core):
        return True
    return any(_matches_stem(stem, core, cut_before, cut_after) for stem in theme.stems if stem.text in core)


def _is_inflection_of_term(words: frozenset[str], word: str) -> bool:
    # a one-word term `word` starts with, then an inflection: only its last few letters can be one
    return any(
        word[:cut] in words and _is_inflection(word[:cut], word[cut:])
        for cut in range(max(1, len(word) - _LONGEST_ENDING), len(word) + 1)
    )


def _is_inflection(base: str, ending: str) -> bool:
    # "budget" -> "budgetten": Dutch doubles the final consonant before -en/-e
    return ending in _INFLECTIONS or ending in (base[-1] + "en", base[-1] + "e")


def _matches_stem(stem: CompoundStem, word: str, cut_before: bool, cut_after: bool) -> bool:
    at = word.find(stem.text)
    while at != -1:
        left, right = word[:at], word[at + len(stem.text):]
        has_left = _is_modifier(left) or (left == "" and cut_before)
        ends_word = _is_inflection(stem.text, right) and not (right == "" and cut_after)
        has_right = _is_head(right) or (right == "" and cut_after)
        if stem.leading and stem.trailing:
            ok = (left == "" or has_left) and (ends_word or has_right) and (has_left or has_right)
        elif stem.leading:
            ok = has_left and ends_word
        else:
            ok = left == "" and has_right
        if ok:
            return True
        at = word.find(stem.text, at + 1)
    return False


def _is_modifier(left: str) -> bool:
    return sum(ch.isalpha() for ch in left) >= 3 and left.strip("-") not in _PREFIXES


def _is_head(right: str) -> bool:
    rest = right.lstrip("-")
    for link in ("", "s", "e", "en"):
        if link and not rest.startswith(link):
            continue
        tail = rest[len(link):]
        if rest in _DERIVATIONAL or tail in _DERIVATIONAL:
            return False
    return sum(ch.isalpha() for ch in rest) >= 3
