"""Dutch word knowledge from spaCy's lemmatizer tables, as plain dicts (no spaCy here).

`pipeline.extract.nlp` reads the four tables of spacy-lookups-data ("lemma_index", "lemma_exc",
"lemma_rules", "lemma_lookup") and builds one `DutchLexicon` per process. Everything it answers
is a pure function of one word, so every answer is memoised on the lexicon: a POS guess, the rule
lemma (the algorithm of spaCy's `DutchLemmatizer.rule_lemmatize`), the lemma of an unknown
compound and whether a word is a form of an adjective.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

RULE_TABLES = ("lemma_lookup", "lemma_rules", "lemma_exc", "lemma_index")
# the parts of speech spaCy's Dutch rule lemmatizer has rules for; any other keeps its lower case
_RULE_POS = frozenset({"noun", "verb", "aux", "adj", "adv", "pron", "det", "adp", "num"})
_VOWELS = frozenset("aeiouy")


class DutchLexicon:
    """Noun, verb and adjective knowledge and the Dutch rule lemmatizer, memoised per word."""

    def __init__(self, tables: Mapping[str, Mapping[str, Any]]) -> None:
        self._index = {pos: frozenset(words) for pos, words in tables["lemma_index"].items()}
        self._exceptions: Mapping[str, Mapping[str, Sequence[str]]] = tables["lemma_exc"]
        self._rules = {pos: tuple(tuple(rule) for rule in rules) for pos, rules in tables["lemma_rules"].items()}
        self._lookup: Mapping[str, str] = tables["lemma_lookup"]
        self.nouns = self._index.get("noun", frozenset())
        self.verbs = self._index.get("verb", frozenset())
        self.adjectives = self._index.get("adj", frozenset()) | frozenset(self._exceptions.get("adj", {}))
        self._lemmas: dict[tuple[str, str], str] = {}
        self._singular: dict[str, str | None] = {}
        self._compound: dict[str, str | None] = {}
        self._adjective: dict[str, bool] = {}

    def guess_pos(self, word: str) -> str:
        """NOUN, or VERB for a word known only as a verb (maken, ontmoeten); `word` is lower case."""
        if self.singular(word) is None and word in self.verbs:
            return "VERB"
        return "NOUN"

    def rule_lemma(self, text: str, pos: str) -> str:
        """The lemma spaCy's Dutch rule lemmatizer gives `text` tagged `pos` (a universal POS)."""
        key = (text, pos)
        lemma = self._lemmas.get(key)
        if lemma is None:
            lemma = self._lemmas[key] = self._rule_lemma(text.lower(), pos.lower())
        return lemma

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

    def is_adjective(self, word: str) -> bool:
        """Whether a word is a form of a known Dutch adjective ("Zorgzame", "Warme")."""
        found = self._adjective.get(word)
        if found is None:
            found = self._adjective[word] = self._find_adjective(word.lower())
        return found

    def _rule_lemma(self, string: str, pos: str) -> str:
        # spaCy's DutchLemmatizer.rule_lemmatize, step for step, on plain dicts
        if pos in ("", "eol", "space") or pos not in _RULE_POS:
            return string
        index = self._index.get(pos, frozenset())
        if string in index:
            return string
        exceptions = self._exceptions.get(pos, {})
        if string in exceptions:
            return exceptions[string][0]
        looked_up = self._lookup.get(string)
        if looked_up and looked_up in index:
            return looked_up
        oov_forms = []
        for old, new in self._rules.get(pos, ()):
            if string.endswith(old):
                form = string[: len(string) - len(old)] + new
                if not form:
                    continue
                if form in index:
                    return form
                oov_forms.append(form)
        forms = list(dict.fromkeys(oov_forms))
        if forms:
            return next((form for form in forms if form in exceptions), looked_up or forms[0])
        return looked_up or string

    def _find_singular(self, word: str) -> str | None:
        if word in self.nouns:
            return word
        exceptions = self._exceptions.get("noun", {})
        if word in exceptions:
            return exceptions[word][0]
        looked_up = self._lookup.get(word)
        if looked_up in self.nouns:
            return looked_up
        for old, new in self._rules.get("noun", ()):
            if word.endswith(old) and (form := word[: len(word) - len(old)] + new) in self.nouns:
                return form
        return None

    def _find_adjective(self, lower: str) -> bool:
        known = self.adjectives
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
