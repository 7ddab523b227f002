"""Tests for pipeline.extract.lexicon: its rule lemmas are those of spaCy's own Dutch rule lemmatizer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import spacy

from pipeline.extract.lexicon import DutchLexicon
from pipeline.extract.nlp import NlpConfig, build_nlp
from pipeline.extract.themes import load_vocabulary

SEED = Path(__file__).parents[1] / "fixtures" / "docs" / "seed_wijkverbeteringscontracten.expected.json"


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return build_nlp(NlpConfig(), load_vocabulary())


def seed_words() -> list[str]:
    texts = [f"{a['title']} {a['summary']}" for a in json.loads(SEED.read_text(encoding="utf-8"))["applications"]]
    return sorted({w for text in texts for w in re.findall(r"\w+", text)})


@pytest.mark.slow  # spaCy's own lemmatizer over the whole seed vocabulary
def test_rule_lemmas_are_spacys(nlp: spacy.language.Language) -> None:
    reference = spacy.blank("nl")
    lemmatizer = reference.add_pipe("lemmatizer", config={"mode": "rule"})
    lemmatizer.initialize()
    lexicon = nlp.get_pipe("parlq_lemmatizer").lexicon
    words = seed_words() + ["wijken", "kinderen", "daklozen", "maken", "ontmoeten", "grote", "vaardigheden", "-"]
    for word in words:
        for pos in ("", "NOUN", "VERB", "ADJ", "ADV", "PROPN"):
            token = reference.make_doc(word)[0]
            token.pos_ = pos
            assert lexicon.rule_lemma(word, pos) == lemmatizer.rule_lemmatize(token)[0], (word, pos)


TABLES = {
    "lemma_index": {"noun": ["wijk", "plek", "zorg"], "verb": ["maken", "wonen"], "adj": ["groot", "warm", "zorgzaam"]},
    "lemma_exc": {"noun": {"kinderen": ["kind"]}, "adj": {}},
    "lemma_rules": {"noun": [["en", ""], ["s", ""]], "verb": [], "adj": [["e", ""]]},
    "lemma_lookup": {},
}


@pytest.mark.parametrize(
    ("word", "singular"),
    [("wijken", "wijk"), ("plekken", None), ("plek", "plek"), ("kinderen", "kind"), ("maken", None)],
)
def test_singular(word: str, singular: str | None) -> None:
    assert DutchLexicon(TABLES).singular(word) == singular


def test_parts_of_speech_and_compounds() -> None:
    lexicon = DutchLexicon(TABLES)
    assert lexicon.guess_pos("maken") == "VERB" and lexicon.guess_pos("wijken") == "NOUN"
    assert lexicon.compound_singular("buurtwijken") == "buurtwijk"
    assert lexicon.compound_singular("zomaar") is None


@pytest.mark.parametrize(
    ("word", "adjective"), [("Warme", True), ("grote", True), ("Zorgzame", True), ("wijk", False), ("de", False)]
)
def test_is_adjective(word: str, adjective: bool) -> None:
    assert DutchLexicon(TABLES).is_adjective(word) is adjective
