"""Tests for pipeline.lexicon: its rule lemmas are those of spaCy's own Dutch rule lemmatizer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import spacy

from pipeline.nlp import NlpConfig, build_nlp
from pipeline.themes import load_vocabulary

SEED = Path(__file__).parent / "fixtures" / "docs" / "seed_wijkverbeteringscontracten.expected.json"


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return build_nlp(NlpConfig(), load_vocabulary())


def seed_words() -> list[str]:
    texts = [f"{a['title']} {a['summary']}" for a in json.loads(SEED.read_text(encoding="utf-8"))["applications"]]
    return sorted({w for text in texts for w in re.findall(r"\w+", text)})


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
