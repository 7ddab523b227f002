"""Theme hits of a text's words, and the themes they add up to (string rules; no spaCy here).

`pipeline.extract.nlp`'s theme matcher memoises a `Word` per token word: every theme term the word is
on its own (a one-token term by its lower case or lemma, or a compound part found by
`pipeline.extract.themes.match_word`). Per text it adds the terms of several tokens, drops a noun-only
term used as a verb, and `collect`s the hits into `ThemeMatch`es.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from pipeline.extract.themes import Theme, match_word
from pipeline.model.records import ThemeMatch

Hit = tuple[int, int, int, str]  # theme index, start_char, -end_char, surface


class Word(NamedTuple):
    """What the theme matcher knows of one token's word."""

    text: str
    size: int  # len(text)
    lower: str
    lemma: str  # lower case; "" when lemmas are not used
    hits: tuple[tuple[int, int, str, bool], ...]  # theme index, offset in the token, surface, noun-only term


def word_hits(
    themes: Sequence[Theme],
    text: str,
    lower: str,
    lemma: str,
    terms: Iterable[int],
    parts: Iterable[tuple[int, int, int]],
) -> Word:
    """The `Word` of a token: `terms` are the themes of the one-token terms it matches (by lower
    case or lemma); `parts` what `analyse_word` found in it."""
    hits = []
    for index in terms:
        if lower not in themes[index].excluded and lemma not in themes[index].excluded:
            hits.append((index, 0, text, lower in themes[index].nominal_only))
    if not any(ch.isalpha() for ch in text):
        parts = ()
    for index, start, end in parts:
        if len(text) != len(lower):
            start, end = 0, len(text)  # lower-casing changed the length: report the whole token
        # Report the matching part of a hyphen/slash compound, without truncation hyphens.
        part = text[start:end]
        surface = part.strip("-") or part
        offset = start + (len(part) - len(part.lstrip("-")) if surface != part else 0)
        hits.append((index, offset, surface, lower in themes[index].nominal_only))
    return Word(text, len(text), lower, lemma, tuple(dict.fromkeys(hits)))


def analyse_word(themes: Sequence[Theme], lower: str, lemma: str) -> Iterator[tuple[int, int, int]]:
    """(theme index, start, end) of the part of the word that matches each theme, if any."""
    for index, theme in enumerate(themes):
        if lower in theme.excluded or lemma in theme.excluded:
            continue
        where = match_word(theme, lower)
        if where is not None:
            yield index, where[0], where[1]
        elif lemma and lemma != lower and match_word(theme, lemma) is not None:
            yield index, 0, len(lower)


def collect(themes: Sequence[Theme], hits: list[Hit]) -> tuple[ThemeMatch, ...]:
    """Per theme, in vocabulary order, its matched words in order of appearance.

    Sorted, a theme's hits put the longest span at a start first, and it wins the spans it
    overlaps; spans with the same bounds have the same surface (both are the text between).
    Repeated words fold (case-insensitive) into their first appearance.
    """
    result = []
    terms: dict[str, str] = {}
    theme, kept_end = -1, -1
    for index, start, neg_end, surface in sorted(hits):
        if index != theme:
            if terms:
                result.append(ThemeMatch(theme=themes[theme].id, terms=tuple(terms.values())))
            terms, theme, kept_end = {}, index, -1
        if start < kept_end:
            continue  # inside (or overlapping) the previous, longer match
        kept_end = -neg_end
        terms.setdefault(surface.casefold(), surface)
    if terms:
        result.append(ThemeMatch(theme=themes[theme].id, terms=tuple(terms.values())))
    return tuple(result)


# the words around a noun-only term that show it is used as a noun (lists, articles, prepositions)
_NOUN_CONTEXT_BEFORE = frozenset(
    {
        "", ":", "het", "op", "rond", "van", "voor", "inzake", "en", ",", "(", "/",
        "betaalbaar", "kwaliteitsvol", "duurzaam", "zorgzaam", "beschut",
    }
)
_NOUN_MARKERS = _NOUN_CONTEXT_BEFORE - {"en", ","}
_SUBJECT_WORDS = frozenset({"er", "die", "wie", "waar", "zij", "ze", "we", "wij", "jullie", "mensen", "bewoners"})


def is_verbal_at(position: int, words: Sequence[Word], first: int = 0) -> bool:
    """A noun-only term used as a verb: "In de wijk wonen veel ouderen", "die er wonen".

    `first` is the position of the text's first word (texts may share a document).
    """
    before = words[position - 1].lower if position > first else ""
    if before in _NOUN_MARKERS:
        return False  # "het wonen", "op wonen", a title "Zaffelare: wonen aan de kreek"
    # a subject close before it makes it a verb: "ouderen die alleen wonen", "waar veel mensen wonen"
    if any(word.lower in _SUBJECT_WORDS for word in words[max(first, position - 3) : position]):
        return True
    return before not in _NOUN_CONTEXT_BEFORE  # in a list: "welzijn, wonen en werk"


def span_text(words: Sequence[Word], spaces: Sequence[int], start: int, end: int) -> str:
    """The text of tokens start..end (`Span.text`): their words and the spaces between them."""
    return "".join([words[k].text + " " * spaces[k] for k in range(start, end - 1)]) + words[end - 1].text
