"""Theme extraction with spaCy: the only module of the pipeline that imports spaCy.

No pretrained Dutch model is required: `build_nlp` starts from `spacy.blank("nl")` and adds
rule components: a NOUN/VERB guesser (so spaCy's Dutch rule lemmatizer can reduce plurals),
the lemmatizer, a compound-head lemmatizer and the theme matcher, which stores its result in
`doc._.themes`. Build the pipeline once per process and pass it around.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.lookups import Lookups
from spacy.tokens import Doc, Token

from pipeline.records import ThemeMatch
from pipeline.themes import Theme, ThemeVocabulary, match_word, vocabulary_from_dict

LEMMATIZER_MODES = ("rule", "lookup", "none")
THEMES_EXTENSION = "themes"  # doc._.themes: tuple[ThemeMatch, ...]

_POS_GUESSER = "parlq_pos_guesser"
_LEMMATIZER = "parlq_lemmatizer"
_COMPOUND_LEMMAS = "parlq_compound_lemmas"
_THEME_MATCHER = "parlq_theme_matcher"


@dataclass(frozen=True)
class NlpConfig:
    """How to build the NLP pipeline.

    lemmatizer_mode: "rule" (spaCy's Dutch rule lemmatizer on tokens a rule component tags
    NOUN or VERB; measured best on the seed), "lookup" (the lookup table only) or "none".
    compound_lemmas: in rule mode, lemmatize unknown compounds by their head noun.
    base_model: a pretrained pipeline such as "nl_core_news_sm", used with its own tagger
    and lemmatizer when it is installed; otherwise the blank Dutch pipeline is used.
    """

    lemmatizer_mode: str = "rule"
    compound_lemmas: bool = True
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
    """Build the pipeline once: tokenizer, POS guesser, lemmatizer, compound lemmas, theme matcher."""
    if not Doc.has_extension(THEMES_EXTENSION):
        Doc.set_extension(THEMES_EXTENSION, default=())
    nlp = _load_base(config.base_model)
    pretrained = bool(nlp.pipe_names)
    if not pretrained and config.lemmatizer_mode != "none":
        lemmatizer = nlp.add_pipe("lemmatizer", name=_LEMMATIZER, config={"mode": config.lemmatizer_mode})
        lemmatizer.initialize()  # loads the lookup tables once, here and never per document
        if config.lemmatizer_mode == "rule":
            _index_as_sets(lemmatizer.lookups)
            nlp.add_pipe(_POS_GUESSER, before=_LEMMATIZER)
            if config.compound_lemmas:
                nlp.add_pipe(_COMPOUND_LEMMAS, after=_LEMMATIZER)
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


# --- components ---------------------------------------------------------------------------


def adjective_test(nlp: Language) -> Callable[[str], bool]:
    """Whether a word is a form of a known Dutch adjective ("Zorgzame", "Warme"): not a place name."""
    if _LEMMATIZER not in nlp.pipe_names:
        return lambda word: False
    lookups = nlp.get_pipe(_LEMMATIZER).lookups
    known = frozenset(lookups.get_table("lemma_index").get("adj", ())) | frozenset(
        lookups.get_table("lemma_exc").get("adj", {})
    )

    def is_adjective(word: str) -> bool:
        lower = word.lower()
        if lower in known:
            return True
        if not lower.endswith("e") or len(lower) < 4:
            return False
        stem = lower[:-1]  # inflected -e: warme, zorgzame (zorgzaam), grote (groot), witte (wit), dove (doof)
        forms = {stem, stem[:-1] + {"v": "f", "z": "s"}.get(stem[-1], stem[-1])}
        if stem[-1] == stem[-2]:
            forms.add(stem[:-1])
        if stem[-1] not in _VOWELS and stem[-2] in "aeou" and stem[-3] not in _VOWELS:
            forms.add(stem[:-1] + stem[-2] + stem[-1])
        return any(form in known for form in forms)

    return is_adjective


@Language.factory(_POS_GUESSER)
def make_pos_guesser(nlp: Language, name: str) -> PosGuesser:
    """Factory for `PosGuesser`; needs the initialised Dutch lemmatizer's tables."""
    return PosGuesser(_DutchLexicon(nlp.get_pipe(_LEMMATIZER).lookups))


@Language.factory(_COMPOUND_LEMMAS)
def make_compound_lemmatizer(nlp: Language, name: str) -> CompoundLemmatizer:
    """Factory for `CompoundLemmatizer`; needs the initialised Dutch lemmatizer's tables."""
    return CompoundLemmatizer(_DutchLexicon(nlp.get_pipe(_LEMMATIZER).lookups))


class PosGuesser:
    """Doc -> Doc: a rule tagger so the rule lemmatizer can work without a trained model.

    A content word is a NOUN when the lexicon knows it (or a plural of it) as a noun,
    a VERB when it only knows it as a verb (maken, ontmoeten: the noun rules would cut
    them to "mak", "ontmoet"), and a NOUN otherwise, since unknown words are mostly compounds.
    """

    def __init__(self, lexicon: _DutchLexicon) -> None:
        self.lexicon = lexicon

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            if not token.pos_ and not token.is_stop and token.is_alpha:
                token.pos_ = self.lexicon.guess_pos(token.lower_)
        return doc


class CompoundLemmatizer:
    """Doc -> Doc: lemmatize an unknown compound by its head (wijkbudgetten -> wijkbudget)."""

    def __init__(self, lexicon: _DutchLexicon) -> None:
        self.lexicon = lexicon

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            if token.pos_ == "NOUN" and token.lemma_ not in self.lexicon.nouns:
                lemma = self.lexicon.compound_singular(token.lower_)
                if lemma is not None:
                    token.lemma_ = lemma
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
                if end - start == 1 and (
                    self._is_excluded(self.themes[index], doc[start]) or self._is_verbal(self.themes[index], doc[start])
                ):
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
            if self._is_verbal(self.themes[index], token):
                continue
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

    def _is_verbal(self, theme: Theme, token: Token) -> bool:
        """A noun-only term used as a verb: "In de wijk wonen veel ouderen", "die er wonen"."""
        if token.lower_ not in theme.nominal_only:
            return False
        before = token.nbor(-1).lower_ if token.i > 0 else ""
        if before in _NOUN_CONTEXT_BEFORE - {"en", ","}:
            return False  # "het wonen", "op wonen", a title "Zaffelare: wonen aan de kreek"
        # a subject close before it makes it a verb: "ouderen die alleen wonen", "waar veel mensen wonen"
        if any(t.lower_ in _SUBJECT_WORDS for t in token.doc[max(0, token.i - 3) : token.i]):
            return True
        return before not in _NOUN_CONTEXT_BEFORE  # in a list: "welzijn, wonen en werk"

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


# --- helpers ------------------------------------------------------------------------------


def _load_base(base_model: str | None) -> Language:
    # A pretrained model is optional: the blank pipeline is the supported baseline.
    if base_model is not None and spacy.util.is_package(base_model):
        return spacy.load(base_model, exclude=["ner", "parser", "senter"])
    return spacy.blank("nl")


_VOWELS = frozenset("aeiouy")
# the words around a noun-only term that show it is used as a noun (lists, articles, prepositions)
_NOUN_CONTEXT_BEFORE = frozenset({"", ":", "het", "op", "rond", "van", "voor", "inzake", "en", ",", "(", "/", "betaalbaar", "kwaliteitsvol", "duurzaam", "zorgzaam", "beschut"})
_SUBJECT_WORDS = frozenset({"er", "die", "wie", "waar", "zij", "ze", "we", "wij", "jullie", "mensen", "bewoners"})


def _index_as_sets(lookups: Lookups) -> None:
    # The rule lemmatizer tests `word in lemma_index[pos]`; the shipped index holds lists of up
    # to 161k words, which made every unseen word cost a linear scan (1 s for the first 20 summaries).
    index = lookups.get_table("lemma_index")
    for key, words in list(index.items()):
        index[key] = frozenset(words)


class _DutchLexicon:
    """Noun and verb knowledge from spaCy's Dutch lemmatizer tables (memoised per word)."""

    def __init__(self, lookups: Lookups) -> None:
        index = lookups.get_table("lemma_index")
        self.nouns = frozenset(index.get("noun", ()))
        self.verbs = frozenset(index.get("verb", ()))
        self._noun_exceptions = lookups.get_table("lemma_exc").get("noun", {})
        self._noun_rules = [tuple(rule) for rule in lookups.get_table("lemma_rules").get("noun", ())]
        self._lookup = lookups.get_table("lemma_lookup")
        self._singular: dict[str, str | None] = {}
        self._compound: dict[str, str | None] = {}

    def guess_pos(self, word: str) -> str:
        if self.singular(word) is None and word in self.verbs:
            return "VERB"
        return "NOUN"

    def singular(self, word: str) -> str | None:
        """The known noun `word` is a form of, or None."""
        if word not in self._singular:
            self._singular[word] = self._find_singular(word)
        return self._singular[word]

    def compound_singular(self, word: str) -> str | None:
        """Modifier + the singular of the longest known head noun, or None."""
        if word not in self._compound:
            self._compound[word] = next(
                (word[:cut] + head for cut in range(3, len(word) - 2) if (head := self.singular(word[cut:]))),
                None,
            )
        return self._compound[word]

    def _find_singular(self, word: str) -> str | None:
        if word in self.nouns:
            return word
        if word in self._noun_exceptions:
            return self._noun_exceptions[word][0]
        looked_up = self._lookup.get(word)
        if looked_up in self.nouns:
            return looked_up
        for old, new in self._noun_rules:
            if word.endswith(old) and (form := word[: len(word) - len(old)] + new) in self.nouns:
                return form
        return None


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

