"""Theme extraction with spaCy: the only module of the pipeline that imports spaCy.

No pretrained Dutch model is required: `build_nlp` starts from `spacy.blank("nl")` and adds
two rule components: a lemmatizer (a NOUN/VERB guess, spaCy's Dutch rule lemmatizer on it and
compound heads, from `pipeline.extract.lexicon`) and the theme matcher, which stores its result in
`doc._.themes`. Build the pipeline once per process and pass it around.

Both components work on a document's attribute arrays (`Doc.to_array`), not token by token:
what they find for a token (but for a noun-only term's context) depends on its word alone, so
it is memoised per word. `find_themes_batch` runs many texts as one document.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, compress
from operator import attrgetter
from typing import Any

import numpy
import spacy
from spacy.attrs import IDX, LEMMA, ORTH, POS, SPACY
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.parts_of_speech import IDS as POS_IDS
from spacy.parts_of_speech import NAMES as POS_NAMES
from spacy.tokens import Doc
from spacy.util import load_language_data, registry
from spacy.vocab import Vocab

from pipeline.extract.lexicon import RULE_TABLES, DutchLexicon
from pipeline.extract.theme_hits import Hit, Word, analyse_word, collect, is_verbal_at, span_text, word_hits
from pipeline.extract.themes import Theme, ThemeVocabulary, vocabulary_from_dict
from pipeline.model.records import ThemeMatch

LEMMATIZER_MODES = ("rule", "lookup", "none")
THEMES_EXTENSION = "themes"  # doc._.themes: tuple[ThemeMatch, ...]

_LEMMATIZER = "parlq_lemmatizer"
_RULE_LEMMATIZER = "parlq_rule_lemmatizer"  # the factory of the rule-mode lemmatizer
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
    """Build the pipeline once: tokenizer, lemmatizer (rule mode: POS guess and compounds), theme matcher."""
    if not Doc.has_extension(THEMES_EXTENSION):
        Doc.set_extension(THEMES_EXTENSION, default=())
    nlp = _load_base(config.base_model)
    pretrained = bool(nlp.pipe_names)
    if not pretrained and config.lemmatizer_mode == "rule":
        nlp.add_pipe(_RULE_LEMMATIZER, name=_LEMMATIZER, config={"compound_lemmas": config.compound_lemmas})
    elif not pretrained and config.lemmatizer_mode == "lookup":
        lemmatizer = nlp.add_pipe("lemmatizer", name=_LEMMATIZER, config={"mode": "lookup"})
        lemmatizer.initialize()  # loads the lookup table once, here and never per document
    use_lemmas = pretrained or config.lemmatizer_mode != "none"
    nlp.add_pipe(_THEME_MATCHER, config={"vocabulary": vocabulary.as_dict(), "use_lemmas": use_lemmas})
    nlp.batch_size = config.batch_size
    return nlp


def find_themes(nlp: Language, text: str) -> tuple[ThemeMatch, ...]:
    """Themes the text addresses, in vocabulary order, each with its matched words."""
    return find_themes_batch(nlp, [text])[0]


def find_themes_batch(nlp: Language, texts: Sequence[str]) -> list[tuple[ThemeMatch, ...]]:
    """`find_themes` for many texts at once, in order: the one way themes are found.

    With the rule pipeline, whose lemmas depend on each word alone, texts that neither start nor
    end with whitespace go through it joined by line breaks, many to a document: the same tokens
    (whitespace ends every token) and themes (no term holds a line break; a noun-only term's
    context stops at its text's first word) as one by one, for much less overhead. Other texts,
    and all texts of other pipelines (a pretrained tagger reads the words around), go alone.
    """
    procs = [proc for _, proc in nlp.pipeline]
    matcher = procs.pop()
    if not isinstance(matcher, ThemeMatcher):
        raise ValueError("the pipeline must end with the theme matcher: build it with build_nlp")
    per_word = all(isinstance(proc, RuleLemmatizer) for proc in procs)
    found: dict[int, tuple[ThemeMatch, ...]] = {}
    for group in _groups(texts, min(nlp.max_length, _JOINED_LENGTH) if per_word else 0):
        doc = nlp.make_doc(_JOINER.join(texts[i] for i in group))
        for proc in procs:
            doc = proc(doc)
        starts, spans, at = doc.to_array(IDX).tolist(), [], 0
        for i in group:  # each text's first token and the token after its last
            spans.append((bisect_left(starts, at), bisect_left(starts, at + len(texts[i]))))
            at += len(texts[i]) + len(_JOINER)
        found.update(zip(group, matcher.find(doc, spans), strict=True))
    return [found[i] for i in range(len(texts))]


_JOINER = "\n\n\n"  # one whitespace token between joined texts (no space: that would mark a token's trailing space)
_JOINED_LENGTH = 100_000  # characters of text per joined document


def _groups(texts: Sequence[str], limit: int) -> Iterator[list[int]]:
    """Indexes of the texts to run as one document: joinable texts (no whitespace at either end)
    together, under `limit` characters a group; any other text alone."""
    group: list[int] = []
    size = 0
    for i, text in enumerate(texts):
        if not text or text[0].isspace() or text[-1].isspace() or len(text) > limit:
            yield [i]
            continue
        if group and size + len(_JOINER) + len(text) > limit:
            yield group
            group, size = [], 0
        size += len(text) + (len(_JOINER) if group else 0)
        group.append(i)
    if group:
        yield group


def adjective_test(nlp: Language) -> Callable[[str], bool]:
    """Whether a word is a form of a known Dutch adjective ("Zorgzame", "Warme"): not a place name.

    Known from the rule lemmatizer's lexicon; without one (other modes) no word is an adjective.
    """
    lexicon = getattr(nlp.get_pipe(_LEMMATIZER), "lexicon", None) if _LEMMATIZER in nlp.pipe_names else None
    return lexicon.is_adjective if lexicon is not None else lambda word: False


# --- components ---------------------------------------------------------------------------


@Language.factory(_RULE_LEMMATIZER, default_config={"compound_lemmas": True})
def make_rule_lemmatizer(nlp: Language, name: str, compound_lemmas: bool) -> RuleLemmatizer:
    """Factory for `RuleLemmatizer`: reads spaCy's Dutch lemmatizer tables once, as plain dicts."""
    paths = registry.lookups.get(nlp.lang)
    return RuleLemmatizer(nlp.vocab, DutchLexicon({table: load_language_data(paths[table]) for table in RULE_TABLES}),
                          compound_lemmas)


class RuleLemmatizer:
    """Doc -> Doc: POS guess, spaCy's Dutch rule lemma and compound lemma of every token.

    A content word is a NOUN when the lexicon knows it (or a plural of it) as a noun, a VERB when
    it only knows it as a verb (maken, ontmoeten: the noun rules would cut them to "mak",
    "ontmoet"), and a NOUN otherwise, since unknown words are mostly compounds. An unknown
    compound noun gets the lemma of its head (wijkbudgetten -> wijkbudget). Tokens keep a POS or
    lemma they already have, as spaCy's lemmatizer does.
    """

    def __init__(self, vocab: Vocab, lexicon: DutchLexicon, compound_lemmas: bool) -> None:
        self.vocab = vocab
        self.lexicon = lexicon
        self.compound_lemmas = compound_lemmas
        self._cache: dict[tuple[int, int, int], tuple[int, int]] = {}  # (orth, pos, lemma) -> (pos, lemma)

    def __call__(self, doc: Doc) -> Doc:
        if len(doc):
            # columns, not rows: turning an (n, 3) array into n lists costs more than the whole lookup
            get = self._cache.get
            columns = doc.to_array([ORTH, POS, LEMMA]).T.tolist()
            values = [get(key) or self._analyse(key) for key in zip(*columns, strict=True)]
            array = numpy.fromiter(chain.from_iterable(values), dtype=numpy.uint64, count=2 * len(values))
            doc.from_array([POS, LEMMA], array.reshape(-1, 2))
        return doc

    def _analyse(self, key: tuple[int, int, int]) -> tuple[int, int]:
        orth, pos, lemma = key
        lexeme = self.vocab[orth]
        pos_name = POS_NAMES[pos]
        if not pos_name and not lexeme.is_stop and lexeme.is_alpha:
            pos_name = self.lexicon.guess_pos(lexeme.lower_)
        lemma_text = self.lexicon.rule_lemma(lexeme.orth_, pos_name) if lemma == 0 else self.vocab.strings[lemma]
        if self.compound_lemmas and pos_name == "NOUN" and lemma_text not in self.lexicon.nouns:
            lemma_text = self.lexicon.compound_singular(lexeme.lower_) or lemma_text
        self._cache[key] = value = (POS_IDS[pos_name], self.vocab.strings.add(lemma_text))
        return value


@Language.factory(_THEME_MATCHER, default_config={"vocabulary": {}, "use_lemmas": True})
def make_theme_matcher(nlp: Language, name: str, vocabulary: dict[str, Any], use_lemmas: bool) -> ThemeMatcher:
    """Factory for the theme matcher; `vocabulary` is `ThemeVocabulary.as_dict()`."""
    return ThemeMatcher(nlp, vocabulary_from_dict(vocabulary), use_lemmas)


class ThemeMatcher:
    """Doc -> Doc: finds theme terms (phrases on LOWER and LEMMA, compounds per word).

    Results go to `doc._.themes`. Everything is prepared in `__init__`; per document only
    matching happens. What one token matches is memoised per word (policy texts repeat their
    words): its one-token terms (by LOWER and LEMMA, as a phrase matcher would find them) and
    its compound parts. Only terms of several tokens go through the phrase matchers.
    """

    def __init__(self, nlp: Language, vocabulary: ThemeVocabulary, use_lemmas: bool) -> None:
        self.themes: tuple[Theme, ...] = vocabulary.themes
        self.use_lemmas = use_lemmas
        self.vocab = nlp.vocab
        self.lower_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemma_matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._theme_index: dict[int, int] = {}
        self._one_token: tuple[dict[int, list[int]], dict[int, list[int]]] = ({}, {})  # LOWER, LEMMA -> themes
        for index, theme in enumerate(self.themes):
            key = nlp.vocab.strings.add(theme.id)
            self._theme_index[key] = index
            patterns = [nlp.make_doc(term) for term in theme.terms]
            _add_patterns(self.lower_matcher, self._one_token[0], theme.id, index, patterns, "lower")
            if use_lemmas:
                # Patterns go through the pipeline built so far, so they get the same lemmas as texts.
                patterns = list(nlp.pipe(theme.terms))
                _add_patterns(self.lemma_matcher, self._one_token[1], theme.id, index, patterns, "lemma")
        self._words: dict[tuple[int, int], Word] = {}  # (ORTH, LEMMA) -> Word
        self._parts: dict[tuple[str, str], tuple[tuple[int, int, int], ...]] = {}  # (lower, lemma) -> analyse_word

    def __call__(self, doc: Doc) -> Doc:
        doc._.set(THEMES_EXTENSION, self.find(doc, [(0, len(doc))])[0])
        return doc

    def find(self, doc: Doc, texts: Sequence[tuple[int, int]]) -> list[tuple[ThemeMatch, ...]]:
        """The themes of each text (first token, end token) of `doc`, in order, whitespace between them."""
        orths, lemmas, spaces, starts = doc.to_array([ORTH, LEMMA, SPACY, IDX]).T.tolist() if len(doc) else [()] * 4
        get = self._words.get
        words = list(map(get, zip(orths, lemmas, strict=True)))
        if None in words:  # a new word (maybe twice)
            words = [get(key) or self._word(key) for key in zip(orths, lemmas, strict=True)]
        hits: list[list[Hit]] = [[] for _ in texts]
        firsts = [first for first, _ in texts]
        matchers = (self.lower_matcher, self.lemma_matcher) if self.use_lemmas else (self.lower_matcher,)
        for matcher in matchers:  # terms of several tokens (never across texts: no term holds a line break)
            for match_id, start, end in matcher(doc):
                hit = (self._theme_index[match_id], starts[start], -starts[end - 1] - words[end - 1].size,
                       span_text(words, spaces, start, end))
                hits[bisect_right(firsts, start) - 1].append(hit)
        current, (first, end) = 0, texts[0] if texts else (0, 0)
        for position in compress(range(len(words)), map(attrgetter("hits"), words)):  # words with hits, in order
            while position >= end:
                current += 1
                first, end = texts[current]
            for index, offset, surface, nominal in words[position].hits:
                if nominal and is_verbal_at(position, words, first):
                    continue
                start = starts[position] + offset
                hits[current].append((index, start, -start - len(surface), surface))
        return [collect(self.themes, text_hits) for text_hits in hits]

    def _word(self, key: tuple[int, int]) -> Word:
        lexeme = self.vocab[key[0]]
        lower = lexeme.lower_
        lemma = self.vocab.strings[key[1]].lower() if self.use_lemmas else ""
        terms = [*self._one_token[0].get(lexeme.lower, ())]
        if self.use_lemmas:
            terms += self._one_token[1].get(key[1], ())
        parts = self._parts.get((lower, lemma))
        if parts is None:
            parts = self._parts[(lower, lemma)] = tuple(analyse_word(self.themes, lower, lemma))
        self._words[key] = word = word_hits(self.themes, lexeme.orth_, lower, lemma, terms, parts)
        return word


# --- helpers ------------------------------------------------------------------------------


def _load_base(base_model: str | None) -> Language:
    # A pretrained model is optional: the blank pipeline is the supported baseline.
    if base_model is not None and spacy.util.is_package(base_model):
        return spacy.load(base_model, exclude=["ner", "parser", "senter"])
    return spacy.blank("nl")


def _add_patterns(
    matcher: PhraseMatcher, one_token: dict[int, list[int]], key: str, index: int, patterns: list[Doc], attr: str
) -> None:
    """A theme's term patterns: those of several tokens to the matcher, one-token ones to `one_token`."""
    longer = [pattern for pattern in patterns if len(pattern) > 1]
    if longer:
        matcher.add(key, longer)
    for pattern in patterns:
        if len(pattern) == 1 and index not in one_token.setdefault(getattr(pattern[0], attr), []):
            one_token[getattr(pattern[0], attr)].append(index)
