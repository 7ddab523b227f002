"""The theme lexicon: loading, the term notation, and single-word compound matching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.extract.themes import (
    CompoundStem,
    Theme,
    ThemeVocabulary,
    _is_inflection,
    _is_inflection_of_term,
    load_vocabulary,
    match_word,
    parse_term,
    vocabulary_from_dict,
)

SPEC_IDS = (
    "wonen",
    "veiligheid",
    "samenleven",
    "participatie",
    "werk_economie",
    "onderwijs",
    "armoede",
    "welzijn_zorg",
    "mobiliteit",
    "publieke_ruimte",
    "klimaat_energie",
    "dienstverlening",
)

VOCABULARY = load_vocabulary()


def themes_of(word: str) -> set[str]:
    return {theme.id for theme in VOCABULARY.themes if match_word(theme, word) is not None}


def test_default_vocabulary_has_the_spec_ids_in_order() -> None:
    assert VOCABULARY.ids == SPEC_IDS


def test_every_spec_example_term_is_in_the_lexicon() -> None:
    # The example column of themes.md, word for word (phrases as phrases).
    examples = {
        "wonen": ["wonen", "woning", "woonkwaliteit", "huisvesting", "woningrenovatie", "wooncontrole",
                  "huisjesmelkerij", "wooncoach", "grijze woonvormen", "woningpatrimonium", "basiscomfort"],
        "veiligheid": ["veiligheid", "overlast", "handhaving", "repressieve maatregelen", "stadsmarinier",
                       "wijkmarinier", "criminaliteit", "buurtpreventie"],
        "samenleven": ["samenleven", "sociale cohesie", "sociaal weefsel", "gemeenschapsopbouw", "ontmoeting",
                       "buurtbinding", "polarisatie", "samenhorigheid", "leefbaarheid"],
        "participatie": ["participatie", "co-creatie", "burgerbudget", "burgerbegroting", "wijkbudget",
                         "overlegplatform", "bottom-up"],
        "werk_economie": ["tewerkstelling", "werkzaamheidsgraad", "job", "werkloosheid", "economie",
                          "winkelgebied", "horeca"],
        "onderwijs": ["onderwijs", "scholing", "opleiding", "laaggeschoold", "digitale vaardigheden",
                      "schooluitval", "taal leren"],
        "armoede": ["armoede", "kansarmoede", "kansarm", "lage inkomens", "precaire leefomstandigheden",
                    "sociale kruidenier", "sociale uitsluiting"],
        "welzijn_zorg": ["welzijn", "gezondheid", "zorg", "ouderenbeleid", "thuisloosheid",
                         "wijkwelzijnswerker", "eenzaamheid"],
        "mobiliteit": ["mobiliteit", "deelmobiliteit", "deelwagen", "verkeersveiligheid", "fietsinfrastructuur",
                       "zachte mobiliteit"],
        "publieke_ruimte": ["publieke ruimte", "openbare ruimte", "openbaar domein", "infrastructuur",
                            "speelbos", "groene ruimte", "polyvalente ruimtes"],
        "klimaat_energie": ["klimaatadaptatie", "energie", "energiepremie", "ontharding", "verduurzaming",
                            "vergroening", "hitte"],
        "dienstverlening": ["dienstverlening", "kinderopvang", "loket", "laagdrempelig aanbod"],
    }
    for theme_id, terms in examples.items():
        missing = [term for term in terms if term not in VOCABULARY.theme(theme_id).terms]
        assert not missing, f"{theme_id}: {missing}"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("woning", "woning"),
        ("Sociale  Cohesie", "sociale cohesie"),
        ("woon-", CompoundStem("woon", leading=False, trailing=True)),
        ("-woning", CompoundStem("woning", leading=True, trailing=False)),
        ("-welzijn-", CompoundStem("welzijn", leading=True, trailing=True)),
        ("bottom-up", "bottom-up"),
        ("co-creatie-", CompoundStem("co-creatie", leading=False, trailing=True)),
    ],
)
def test_parse_term_notation(raw: str, expected: str | CompoundStem) -> None:
    assert parse_term(raw) == expected


@pytest.mark.parametrize(
    "build",
    [
        lambda: CompoundStem("wo", leading=True, trailing=False),
        lambda: CompoundStem("woon", leading=False, trailing=False),
        lambda: Theme(id="Wonen", domain="", terms=("wonen",), stems=(), excluded=frozenset()),
        lambda: Theme(id="wonen", domain="", terms=(), stems=(), excluded=frozenset()),
        lambda: Theme(id="wonen", domain="", terms=("Wonen",), stems=(), excluded=frozenset()),
        lambda: ThemeVocabulary(themes=()),
        lambda: vocabulary_from_dict({"themes": [{"id": "a", "terms": ["x"]}, {"id": "a", "terms": ["y"]}]}),
    ],
)
def test_invalid_vocabulary_is_rejected(build) -> None:
    with pytest.raises(ValueError):
        build()


def test_as_dict_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "themes.json"
    path.write_text(json.dumps(VOCABULARY.as_dict()), encoding="utf-8")
    assert load_vocabulary(path) == VOCABULARY


def test_theme_lookup_by_id() -> None:
    assert VOCABULARY.theme("armoede").id == "armoede"
    with pytest.raises(KeyError):
        VOCABULARY.theme("sport")


@pytest.mark.parametrize(
    ("word", "theme"),
    [
        ("woonkwaliteit", "wonen"),
        ("woningrenovatie", "wonen"),
        ("wooncontroles", "wonen"),
        ("huurwoningen", "wonen"),
        ("woon-", "wonen"),  # "woon- en leefkwaliteit"
        ("huisvestingselementen", "wonen"),
        ("deelmobiliteit", "mobiliteit"),
        ("wijkmobiliteit", "mobiliteit"),
        ("verkeersveiligheid", "mobiliteit"),
        ("fietsers", "mobiliteit"),
        ("energiepremiereglement", "klimaat_energie"),
        ("energie-ingrepen", "klimaat_energie"),
        ("hittegolf", "klimaat_energie"),
        ("wijkwelzijnswerker", "welzijn_zorg"),
        ("mantelzorger", "welzijn_zorg"),
        ("thuislozenwerking", "welzijn_zorg"),
        ("woonzorgcentrum", "welzijn_zorg"),
        ("zorgzame", "welzijn_zorg"),  # "zorgzame buurten" is a Flemish care policy
        ("kernwinkelgebied", "werk_economie"),
        ("buurtbewoners/horeca/stad", "werk_economie"),
        ("winkel-", "werk_economie"),
        ("starterswerking", "werk_economie"),
        ("handelspanden", "werk_economie"),
        ("wijkbudgetten", "participatie"),
        ("co-creatietraject", "participatie"),
        ("vrijwilligerswerk", "participatie"),
        ("samenlevingsproblemen", "samenleven"),
        ("ontmoetingsplekken", "samenleven"),
        ("gemeenschapsgevoel", "samenleven"),
        ("onderwijsondersteuning", "onderwijs"),
        ("pleintjes", "publieke_ruimte"),
        ("wijkinfrastructuur", "publieke_ruimte"),
        ("kinderarmoede", "armoede"),
        ("dienstverleningsaanbod", "dienstverlening"),
    ],
)
def test_compounds_and_inflections_match(word: str, theme: str) -> None:
    assert theme in themes_of(word)


@pytest.mark.parametrize(
    ("word", "theme"),
    [
        ("ontzorgen", "welzijn_zorg"),  # relieving owners of chores, not care: decided not to count
        ("zorgen", "welzijn_zorg"),  # "zorgen voor" = to ensure
        ("zorgvuldig", "welzijn_zorg"),
        ("bezorgd", "welzijn_zorg"),
        ("verkeersveiligheid", "veiligheid"),  # traffic safety is mobility
        ("wateroverlast", "veiligheid"),
        ("woonachtig", "wonen"),
        ("woonwijk", "wonen"),
        ("gehuisvest", "wonen"),  # "zal gehuisvest worden": where a service is located
        ("bewoners", "wonen"),
        ("inwoners", "wonen"),
        ("totaalconcept", "onderwijs"),
        ("digitaal", "onderwijs"),
        ("beeldvorming", "onderwijs"),
        ("verkeerd", "mobiliteit"),
        ("speelt", "publieke_ruimte"),
        ("politieke", "veiligheid"),
        ("opstarten", "werk_economie"),
        ("handelswijze", "werk_economie"),
        ("energiek", "klimaat_energie"),
        ("samenleving", "samenleven"),  # "de samenleving" is society at large
        ("wijkwerken", "samenleven"),  # a work programme, not community work
    ],
)
def test_false_friends_do_not_match(word: str, theme: str) -> None:
    assert theme not in themes_of(word)


def test_the_word_wijk_is_no_theme() -> None:
    for word in ("wijk", "wijken", "buurt", "buurten", "wijkgerichte"):
        assert themes_of(word) == set()


@given(st.text(max_size=40))
def test_match_word_returns_a_span_inside_the_word(word: str) -> None:
    for theme in VOCABULARY.themes:
        where = match_word(theme, word.lower())
        if where is not None:
            start, end = where
            assert 0 <= start < end <= len(word.lower())


# the inflection index gives what a scan of every term gives
_TERMS = sorted({term for theme in VOCABULARY.themes for term in theme.terms})


@given(st.one_of(st.text(alphabet="abdegijnorstuvwz'", max_size=16),
                 st.tuples(st.sampled_from(_TERMS), st.text(alphabet="sejntr'", max_size=5)).map("".join)))
def test_inflection_index(word: str) -> None:
    for theme in VOCABULARY.themes:
        expected = any(
            word.startswith(term) and " " not in term and _is_inflection(term, word[len(term):]) for term in theme.terms
        )
        assert _is_inflection_of_term(theme.words, word) == expected
