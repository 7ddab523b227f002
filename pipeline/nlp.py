"""Theme extraction with spaCy: the only module of the pipeline that imports spaCy.

No pretrained Dutch model is required: `build_nlp` starts from `spacy.blank("nl")` and adds
rule components (a NOUN tagger so spaCy's Dutch rule lemmatizer reduces plurals, the
lemmatizer, and a theme matcher). Build the pipeline once per process and pass it around.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token

from pipeline.records import ThemeMatch
from pipeline.themes import Theme, ThemeVocabulary, match_word, vocabulary_from_dict

LEMMATIZER_MODES = ("rule", "lookup", "none")
THEMES_EXTENSION = "themes"  # doc._.themes: tuple[ThemeMatch, ...]

_NOUN_TAGGER = "parlq_noun_tagger"
_LEMMATIZER = "parlq_lemmatizer"
_THEME_MATCHER = "parlq_theme_matcher"


@dataclass(frozen=True)
class NlpConfig:
    """How to build the NLP pipeline.

    lemmatizer_mode: "rule" (spaCy's Dutch rule lemmatizer on tokens tagged NOUN by a rule
    component; measured best on the seed), "lookup" (the lookup table only) or "none".
    base_model: a pretrained pipeline such as "nl_core_news_sm", used with its own tagger
    and lemmatizer when it is installed; otherwise the blank Dutch pipeline is used.
    """

    lemmatizer_mode: str = "rule"
    base_model: str | None = None
    batch_size: int = 64

    def __post_init__(self) -> None:
        if self.lemmatizer_mode not in LEMMATIZER_MODES:
            raise ValueError(f"lemmatizer_mode must be one of {LEMMATIZER_MODES}, not {self.lemmatizer_mode!r}")
        if self.base_model is not None and not self.base_model.strip():
            raise ValueError("base_model must be a package name or None")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be positive, not {self.batch_size}")


def build_nlp(config: NlpConfig, vocabulary: ThemeVocabulary) -> Language:
    """Build the pipeline once: tokenizer, NOUN tagger, lemmatizer, theme matcher."""
    if not Doc.has_extension(THEMES_EXTENSION):
        Doc.set_extension(THEMES_EXTENSION, default=())
    nlp = _load_base(config.base_model)
    pretrained = bool(nlp.pipe_names)
    if not pretrained and config.lemmatizer_mode != "none":
        if config.lemmatizer_mode == "rule":
            nlp.add_pipe(_NOUN_TAGGER)
        lemmatizer = nlp.add_pipe("lemmatizer", name=_LEMMATIZER, config={"mode": config.lemmatizer_mode})
        lemmatizer.initialize()  # loads the lookup tables once, here and never per document
    use_lemmas = pretrained or config.lemmatizer_mode != "none"
    nlp.add_pipe(_THEME_MATCHER, config={"vocabulary": vocabulary.as_dict(), "use_lemmas": use_lemmas})
    nlp.batch_size = config.batch_size
    return nlp


def find_themes(nlp: Language, text: str) -> tuple[ThemeMatch, ...]:
    """Themes the text addresses, in vocabulary order, each with its matched words."""
    return nlp(text)._.get(THEMES_EXTENSION)


def find_themes_batch(nlp: Language, texts: Sequence[str]) -> list[tuple[ThemeMatch, ...]]:
    """`find_themes` for many texts at once (streams them through `nlp.pipe`)."""
    return [doc._.get(THEMES_EXTENSION) for doc in nlp.pipe(texts)]


def _load_base(base_model: str | None) -> Language:
    # A pretrained model is optional: the blank pipeline is the supported baseline.
    if base_model is not None and spacy.util.is_package(base_model):
        return spacy.load(base_model, exclude=["ner", "parser", "senter"])
    return spacy.blank("nl")


# --- components ---------------------------------------------------------------------------


@Language.component(_NOUN_TAGGER)
def tag_nouns(doc: Doc) -> Doc:
    """Tag content words NOUN so the rule lemmatizer applies its noun rules (wijken -> wijk).

    Without a trained tagger, NOUN is the best single guess for the words themes care about.
    """
    for token in doc:
        if not token.pos_ and not token.is_stop and any(ch.isalpha() for ch in token.text):
            token.pos_ = "NOUN"
    return doc


@Language.factory(_THEME_MATCHER, default_config={"vocabulary": {}, "use_lemmas": True})
def make_theme_matcher(nlp: Language, name: str, vocabulary: dict[str, Any], use_lemmas: bool) -> ThemeMatcher:
    """Factory for the theme matcher; `vocabulary` is `ThemeVocabulary.as_dict()`."""
    return ThemeMatcher(nlp, vocabulary_from_dict(vocabulary), use_lemmas)


class ThemeMatcher:
    """Doc -> Doc: finds theme terms (phrases on LOWER and LEMMA, compounds per word).

    Results go to `doc._.themes`. Everything is prepared in `__init__`; per document only
    matching happens (word analyses are memoised, since policy texts repeat their words).
    """

    def __init__(self, nlp: Language, vocabulary: ThemeVocabulary, use_lemmas: bool) -> None:
        self.themes: tuple[Theme, ...] = vocabulary.themes
        self.use_lemmas = use_lemmas
        self.lower_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemma_matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._theme_index: dict[int, int] = {}
        for index, theme in enumerate(self.themes):
            key = nlp.vocab.strings.add(theme.id)
            self._theme_index[key] = index
            self.lower_matcher.add(theme.id, [nlp.make_doc(term) for term in theme.terms])
            if use_lemmas:
                # Patterns go through the pipeline built so far, so they get the same lemmas as texts.
                self.lemma_matcher.add(theme.id, list(nlp.pipe(theme.terms)))
        self._word_cache: dict[tuple[str, str], tuple[tuple[int, int, int], ...]] = {}

    def __call__(self, doc: Doc) -> Doc:
        hits: list[tuple[int, int, int, str]] = []  # start_char, end_char, theme index, surface
        matchers = (self.lower_matcher, self.lemma_matcher) if self.use_lemmas else (self.lower_matcher,)
        for matcher in matchers:
            for match_id, start, end in matcher(doc):
                index = self._theme_index[match_id]
                if end - start == 1 and self._is_excluded(self.themes[index], doc[start]):
                    continue
                span = doc[start:end]
                hits.append((span.start_char, span.end_char, index, span.text))
        for token in doc:
            if any(ch.isalpha() for ch in token.text):
                hits.extend(self._word_hits(token))
        doc._.set(THEMES_EXTENSION, self._collect(hits))
        return doc

    def _word_hits(self, token: Token) -> Iterable[tuple[int, int, int, str]]:
        lower = token.lower_
        lemma = token.lemma_.lower() if self.use_lemmas else ""
        key = (lower, lemma)
        found = self._word_cache.get(key)
        if found is None:
            found = tuple(self._analyse_word(lower, lemma))
            self._word_cache[key] = found
        text = token.text
        for index, start, end in found:
            if len(text) != len(lower):
                start, end = 0, len(text)  # lower-casing changed the length: report the whole token
            # Report the matching part of a hyphen/slash compound, without truncation hyphens.
            part = text[start:end]
            surface = part.strip("-") or part
            offset = token.idx + start + (len(part) - len(part.lstrip("-")) if surface != part else 0)
            yield offset, offset + len(surface), index, surface

    def _analyse_word(self, lower: str, lemma: str) -> Iterable[tuple[int, int, int]]:
        for index, theme in enumerate(self.themes):
            if lower in theme.excluded or lemma in theme.excluded:
                continue
            where = match_word(theme, lower)
            if where is not None:
                yield index, where[0], where[1]
            elif lemma and lemma != lower and match_word(theme, lemma) is not None:
                yield index, 0, len(lower)

    def _is_excluded(self, theme: Theme, token: Token) -> bool:
        return token.lower_ in theme.excluded or (self.use_lemmas and token.lemma_.lower() in theme.excluded)

    def _collect(self, hits: list[tuple[int, int, int, str]]) -> tuple[ThemeMatch, ...]:
        per_theme: dict[int, list[tuple[int, int, str]]] = {}
        for start, end, index, surface in hits:
            per_theme.setdefault(index, []).append((start, end, surface))
        result = []
        for index in sorted(per_theme):
            terms = _surface_terms(per_theme[index])
            if terms:
                result.append(ThemeMatch(theme=self.themes[index].id, terms=terms))
        return tuple(result)


def _surface_terms(spans: list[tuple[int, int, str]]) -> tuple[str, ...]:
    """Matched words in order of appearance: the longest span wins overlaps, repeats fold."""
    kept: list[tuple[int, int, str]] = []
    for start, end, surface in sorted(spans, key=lambda span: (span[0], span[0] - span[1])):
        if kept and start < kept[-1][1]:
            continue  # inside (or overlapping) the previous, longer match
        kept.append((start, end, surface))
    seen: dict[str, str] = {}
    for _, _, surface in kept:
        seen.setdefault(surface.casefold(), surface)
    return tuple(seen.values())

