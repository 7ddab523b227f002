"""The fast paths of the rows step give what the plain computations they replace give.

Each test checks one shortcut against a straightforward reference: spaCy's own Dutch rule
lemmatizer, texts joined for the theme matcher, the per-period caches of the gazetteer, the
hint-driven regex scans of the neighbourhood finder and the inflection index of the themes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipeline.neighbourhoods as nb
from pipeline.gazetteer import _resolve, load_gazetteer, place_names, resolve_place
from pipeline.nlp import NlpConfig, build_nlp, find_themes, find_themes_batch
from pipeline.themes import _is_inflection, _is_inflection_of_term, load_vocabulary

VOCABULARY = load_vocabulary()
GAZETTEER = load_gazetteer()
SEED = Path(__file__).parent / "fixtures" / "docs" / "seed_wijkverbeteringscontracten.expected.json"


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return build_nlp(NlpConfig(), VOCABULARY)


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


_PIECES = ["wonen", "Wonen", "mensen die", "het", "groene ruimte", "digitale vaardigheden", "woon-", "en",
           "leefkwaliteit", "buurtbewoners/horeca", "Ouderen", "ß", "İstanbul", ",", ".",
           " ", "  ", "\n", "\n\n\n", "\t"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=12).map(" ".join), max_size=8))
def test_joined_batch_equals_one_by_one(nlp: spacy.language.Language, texts: list[str]) -> None:
    assert find_themes_batch(nlp, texts) == [find_themes(nlp, text) for text in texts]


def test_place_names_per_period() -> None:
    days = {day + dt.timedelta(days=shift) for day in GAZETTEER.changes for shift in (-1, 0, 1)
            if dt.date.min < day < dt.date.max}
    for day in sorted(days) + [dt.date(1960, 1, 1), dt.date(2030, 5, 5)]:
        expected = frozenset(
            [m.name for m in GAZETTEER.municipalities if m.valid_from <= day <= m.valid_to]
            + [s.name for s in GAZETTEER.sub_municipalities if s.valid_from <= day <= s.valid_to]
        )
        assert place_names(GAZETTEER, day) == expected, day


@pytest.mark.parametrize(
    "text", ["Gent", "BRUGGE (ZEEBRUGGE)", "Kessel-Lo (Leuven)", "Lovendegem", "Stad Tielt", "Nergensland"]
)
def test_resolve_place_per_period(text: str) -> None:
    for day in GAZETTEER.changes[::3] + (dt.date(2018, 12, 31), dt.date(2019, 1, 1), dt.date(2025, 1, 1)):
        if day < dt.date.max:
            assert resolve_place(GAZETTEER, text, day) == _resolve(GAZETTEER, text, day), (text, day)


_NAME_PIECES = ["wijk", "Wijk", "wıjk", "WIJK", "buurten", "woonwijk", "stadsbuurt", "stadſbuurt", "Deelwijk", "de",
                "Kroonmolenwijk", "Sint-Maartensdal", "Oude Statie", "in", "‘Blauwe", "Wijk’", "“Gaverland”",
                "'Rabot'",
                "en", ",", "&", "kwartier", "Stationskwartier", "xWijk", "\n", "Ledeberg", "Muide"]


@given(st.lists(st.sampled_from(_NAME_PIECES), max_size=16).map(" ".join))
def test_hinted_scans_match_plain_scans(text: str) -> None:
    spans = lambda matches: [(m.span(), m.groups()) for m in matches]  # noqa: E731
    assert spans(nb._cue_matches(text)) == spans(nb._CUE_RE.finditer(text))
    assert spans(nb._compound_matches(text)) == spans(nb._COMPOUND_RE.finditer(text))
    if not nb._QUOTED_HINT_RE.search(text):
        assert not nb._QUOTED_PLACE_RE.search(text)


@given(st.text(alphabet="aAzZ ⅰªßÉé1-'İıſK", max_size=8))
def test_all_caps(text: str) -> None:
    letters = [ch for ch in text if ch.isalpha()]
    assert nb._is_all_caps(text) == (len(letters) > 1 and not any(ch.islower() for ch in letters))


_TERMS = sorted({term for theme in VOCABULARY.themes for term in theme.terms})


@given(st.one_of(st.text(alphabet="abdegijnorstuvwz'", max_size=16),
                 st.tuples(st.sampled_from(_TERMS), st.text(alphabet="sejntr'", max_size=5)).map("".join)))
def test_inflection_index(word: str) -> None:
    for theme in VOCABULARY.themes:
        expected = any(
            word.startswith(term) and " " not in term and _is_inflection(term, word[len(term):]) for term in theme.terms
        )
        assert _is_inflection_of_term(theme.words, word) == expected
