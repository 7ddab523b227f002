"""Theme extraction with the spaCy pipeline: seed golden table, compounds, negatives, invariants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from pipeline.extract.nlp import NlpConfig, adjective_test, build_nlp, find_themes, find_themes_batch
from pipeline.extract.themes import load_vocabulary
from pipeline.model.records import ThemeMatch

SEED_EXPECTED = Path(__file__).parents[1] / "fixtures" / "docs" / "seed_wijkverbeteringscontracten.expected.json"
VOCABULARY = load_vocabulary()

# My reading of the 20 seed applications (title + summary): which domains each explicitly addresses.
GOLDEN_THEMES: dict[int, tuple[str, ...]] = {
    1: ("veiligheid", "samenleven"),
    2: ("wonen", "participatie", "werk_economie", "welzijn_zorg", "mobiliteit", "klimaat_energie"),
    3: ("wonen", "veiligheid", "samenleven", "participatie", "werk_economie", "armoede", "dienstverlening"),
    4: ("samenleven", "participatie", "mobiliteit", "publieke_ruimte", "klimaat_energie", "dienstverlening"),
    5: ("wonen", "samenleven", "klimaat_energie"),
    6: ("samenleven", "participatie", "publieke_ruimte"),
    7: ("wonen", "samenleven", "participatie", "mobiliteit", "publieke_ruimte"),
    8: ("wonen", "veiligheid", "samenleven", "werk_economie", "onderwijs", "armoede", "welzijn_zorg"),
    9: ("veiligheid", "samenleven", "armoede", "publieke_ruimte"),
    10: ("wonen", "veiligheid", "onderwijs", "welzijn_zorg"),
    11: ("samenleven", "onderwijs", "mobiliteit", "publieke_ruimte"),
    12: ("wonen", "samenleven", "armoede", "welzijn_zorg", "publieke_ruimte"),
    13: ("wonen", "samenleven", "participatie", "werk_economie", "welzijn_zorg", "mobiliteit", "publieke_ruimte",
         "dienstverlening"),
    14: ("wonen", "samenleven", "werk_economie", "armoede"),
    15: ("wonen", "participatie", "werk_economie", "onderwijs", "klimaat_energie"),
    16: ("wonen", "veiligheid", "samenleven", "participatie", "welzijn_zorg", "mobiliteit", "klimaat_energie",
         "dienstverlening"),
    17: ("samenleven", "participatie", "publieke_ruimte"),
    18: ("samenleven", "participatie"),
    19: ("wonen", "samenleven", "participatie", "werk_economie", "armoede", "publieke_ruimte"),
    20: ("participatie", "werk_economie"),
}


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp(NlpConfig(), VOCABULARY)


def seed_applications() -> list[dict]:
    if not SEED_EXPECTED.exists():
        return []
    return json.loads(SEED_EXPECTED.read_text(encoding="utf-8"))["applications"]


def theme_text(application: dict) -> str:
    return f"{application['title']}\n\n{application['summary']}"  # as pipeline.extract.applications joins them


def theme_ids(matches: tuple[ThemeMatch, ...]) -> tuple[str, ...]:
    return tuple(match.theme for match in matches)


@pytest.mark.parametrize(
    "kwargs",
    [{"lemmatizer_mode": "stem"}, {"batch_size": 0}, {"base_model": " "}],
)
def test_config_is_validated(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        NlpConfig(**kwargs)


def test_missing_pretrained_model_falls_back_to_blank() -> None:
    nlp = build_nlp(NlpConfig(base_model="nl_core_news_does_not_exist"), VOCABULARY)
    assert "parlq_theme_matcher" in nlp.pipe_names
    assert theme_ids(find_themes(nlp, "Betere woonkwaliteit.")) == ("wonen",)


@pytest.mark.skipif(not SEED_EXPECTED.exists(), reason="seed fixture not present")
@pytest.mark.parametrize("number", sorted(GOLDEN_THEMES))
def test_seed_application_themes(nlp: Language, number: int) -> None:
    application = next(a for a in seed_applications() if a["item_number"] == number)
    assert theme_ids(find_themes(nlp, theme_text(application))) == GOLDEN_THEMES[number]


@pytest.mark.skipif(not SEED_EXPECTED.exists(), reason="seed fixture not present")
def test_seed_themes_precision_and_recall_against_fixture(nlp: Language) -> None:
    applications = seed_applications()
    predicted = find_themes_batch(nlp, [theme_text(a) for a in applications])
    tp = fp = fn = 0
    for application, matches in zip(applications, predicted, strict=True):
        got, gold = set(theme_ids(matches)), set(application["themes"])
        tp, fp, fn = tp + len(got & gold), fp + len(got - gold), fn + len(gold - got)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nthemes vs fixture gold: precision {precision:.3f} recall {recall:.3f} (tp={tp} fp={fp} fn={fn})")
    assert precision >= 0.9 and recall >= 0.9


@pytest.mark.parametrize(
    ("text", "theme", "term"),
    [
        ("Het project verbetert de woonkwaliteit.", "wonen", "woonkwaliteit"),
        ("Inzet op woningrenovatie en wooncontroles.", "wonen", "wooncontroles"),
        ("Aandacht voor woon- en leefkwaliteit.", "wonen", "woon"),
        ("Er komt deelmobiliteit in de wijk.", "mobiliteit", "deelmobiliteit"),
        ("Veilige wijkmobiliteit staat centraal.", "mobiliteit", "wijkmobiliteit"),
        ("Een vernieuwd energiepremiereglement.", "klimaat_energie", "energiepremiereglement"),
        ("De buurtbewoners/horeca/stad werken samen.", "werk_economie", "horeca"),
        ("Een netwerk van ontmoetingsplekken.", "samenleven", "ontmoetingsplekken"),
        ("Invoering van wijkbudgetten.", "participatie", "wijkbudgetten"),
        ("Er is nood aan digitale vaardigheden.", "onderwijs", "digitale vaardigheden"),
        ("Mensen met lage inkomens.", "armoede", "lage inkomens"),
        ("De handhaving van een sociale en veilige buurt.", "veiligheid", "veilige buurt"),
        ("Zorgzame buurten voor iedereen.", "welzijn_zorg", "Zorgzame"),
    ],
)
def test_compounds_phrases_and_inflections(nlp: Language, text: str, theme: str, term: str) -> None:
    matches = {match.theme: match.terms for match in find_themes(nlp, text)}
    assert term in matches.get(theme, ())


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("Het project zal zorgen voor meer samenhang.", "welzijn_zorg"),
        ("We willen de eigenaars ontzorgen bij de renovatie.", "welzijn_zorg"),
        ("De verkeersveiligheid aan de school.", "veiligheid"),
        ("De versterking van het digitaal buurtnetwerk.", "onderwijs"),
        ("Een sociaal inclusief totaalconcept.", "onderwijs"),
        ("De wijk kent veel uitdagingen.", None),
        ("Deze buurten en de binnenstad.", None),
        ("Alle bewoners en inwoners van de stad.", None),
        ("De dienst zal gehuisvest worden in de wijk.", "wonen"),
        ("Arsenaal speelt thuismatch.", "publieke_ruimte"),
        ("Het maximale budget voor één project.", "participatie"),
    ],
)
def test_negative_cases(nlp: Language, text: str, theme: str | None) -> None:
    found = theme_ids(find_themes(nlp, text))
    assert found == () if theme is None else theme not in found


def test_terms_are_in_order_of_appearance_and_deduplicated(nlp: Language) -> None:
    text = "Huisvesting, woonkwaliteit en opnieuw huisvesting. Daarna de woningen."
    (match,) = find_themes(nlp, text)
    assert match == ThemeMatch(theme="wonen", terms=("Huisvesting", "woonkwaliteit", "woningen"))


def test_phrase_wins_over_its_words(nlp: Language) -> None:
    (match,) = [m for m in find_themes(nlp, "Meer groene ruimte.") if m.theme == "publieke_ruimte"]
    assert match.terms == ("groene ruimte",)


@pytest.mark.skipif(not SEED_EXPECTED.exists(), reason="seed fixture not present")
def test_a_batch_gives_each_seed_application_its_golden_themes(nlp: Language) -> None:
    applications = seed_applications()
    found = find_themes_batch(nlp, [theme_text(a) for a in applications])  # one joined document
    assert {a["item_number"]: theme_ids(m) for a, m in zip(applications, found, strict=True)} == GOLDEN_THEMES


# Texts of one batch, joined into one document where they can be: each keeps its own themes. A
# noun-only term's context, a phrase and a compound never reach into a neighbouring text; texts
# with whitespace at an end, and empty ones, are read on their own.
BATCH = {
    "Er is een groeiende groep ouderen die": (),
    "wonen en werk": (ThemeMatch(theme="wonen", terms=("wonen",)),),  # first word: a noun, whatever came before
    "mensen die alleen wonen": (),  # a verb
    "Meer groene": (),
    "ruimte voor ontmoeting": (ThemeMatch(theme="samenleven", terms=("ontmoeting",)),),  # not "groene ruimte"
    " Betere woonkwaliteit. ": (ThemeMatch(theme="wonen", terms=("woonkwaliteit",)),),
    "": (),
    "woon-": (ThemeMatch(theme="wonen", terms=("woon",)),),
    "en leefkwaliteit": (),
    "Huisvesting en armoede\n\nDe wijk kent veel armoede en huisvesting.": (
        ThemeMatch(theme="wonen", terms=("Huisvesting",)),
        ThemeMatch(theme="armoede", terms=("armoede",)),
    ),
    "Meer groene ruimte.": (ThemeMatch(theme="publieke_ruimte", terms=("groene ruimte",)),),
}


def test_texts_of_a_batch_keep_their_own_themes(nlp: Language) -> None:
    assert find_themes_batch(nlp, list(BATCH)) == list(BATCH.values())
    assert find_themes_batch(nlp, list(BATCH)[::-1]) == list(BATCH.values())[::-1]
    assert find_themes_batch(nlp, []) == []


def test_pipeline_is_not_rebuilt_per_document(nlp: Language) -> None:
    components = [id(component) for _, component in nlp.pipeline]
    matcher = nlp.get_pipe("parlq_theme_matcher")
    sizes = (len(matcher.lower_matcher), len(matcher.lemma_matcher))
    find_themes_batch(nlp, ["Woningen en wijken."] * 5)
    assert [id(component) for _, component in nlp.pipeline] == components
    assert (len(matcher.lower_matcher), len(matcher.lemma_matcher)) == sizes


# Plural nouns from the seed summaries with their lemma (a sample of the 120 words measured).
PLURALS = {
    "wijken": "wijk", "ontmoetingsplekken": "ontmoetingsplek", "woningen": "woning", "buurten": "buurt",
    "bewoners": "bewoner", "bewonersinitiatieven": "bewonersinitiatief", "wijkbudgetten": "wijkbudget",
    "samenlevingsproblemen": "samenlevingsprobleem", "handelspanden": "handelspand", "deelwagen": "deelwagen",
    "infrastructuurIngrepen".lower(): "infrastructuuringreep", "vaardigheden": "vaardigheid",
    "woonconcepten": "woonconcept", "wooncontroles": "wooncontrole", "kinderen": "kind", "starters": "starter",
    "speelbos": "speelbos", "daklozen": "dakloze", "panden": "pand", "uitdagingen": "uitdaging",
}
VERBS = ("maken", "ontmoeten", "samenleven", "verbeteren", "versterken", "lanceren", "stimuleren")


def lemma_accuracy(nlp: Language, gold: dict[str, str]) -> float:
    return sum(nlp(word)[0].lemma_ == lemma for word, lemma in gold.items()) / len(gold)


def test_rule_lemmatizer_beats_lookup_on_seed_words() -> None:
    rule = build_nlp(NlpConfig(lemmatizer_mode="rule"), VOCABULARY)
    lookup = build_nlp(NlpConfig(lemmatizer_mode="lookup"), VOCABULARY)
    gold = {**PLURALS, **{verb: verb for verb in VERBS}}
    rule_score, lookup_score = lemma_accuracy(rule, gold), lemma_accuracy(lookup, gold)
    print(f"\nlemma accuracy on {len(gold)} seed words: rule {rule_score:.2f}, lookup {lookup_score:.2f}")
    assert rule_score > lookup_score
    assert lemma_accuracy(rule, PLURALS) == 1.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_arbitrary_text_gives_known_themes_and_real_terms(nlp: Language, text: str) -> None:
    matches = find_themes(nlp, text)
    ids = theme_ids(matches)
    assert set(ids) <= set(VOCABULARY.ids)
    assert list(ids) == sorted(ids, key=VOCABULARY.ids.index)
    for match in matches:
        assert match.terms and all(term in text for term in match.terms)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(["woning", "Overlast", "zorg", "wijk", "de", "-", "energie-", "/", " ", "\n"]), max_size=30
    )
)
def test_lexicon_words_in_any_order_never_break(nlp: Language, words: list[str]) -> None:
    text = " ".join(words)
    for match in find_themes(nlp, text):
        assert all(term in text for term in match.terms)


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("De focus ligt op wonen, welzijn en werk.", True),
        ("Het wonen in de wijk moet betaalbaar blijven.", True),
        ("In de wijk Blauwput wonen veel alleenstaande ouderen.", False),
        ("Er is een groeiende groep ouderen die alleen wonen.", False),
    ],
)
def test_wonen_counts_only_as_a_noun(nlp: Language, text: str, counts: bool) -> None:
    assert ("wonen" in {m.theme for m in find_themes(nlp, text)}) is counts


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Zorgzame", True), ("Warme", True), ("Nieuw", True), ("Grote", True),
        ("Wuytsbergen", False), ("Krottegem", False),
    ],
)
def test_adjective_test(nlp: Language, word: str, expected: bool) -> None:
    assert adjective_test(nlp)(word) is expected


_PIECES = ["wonen", "Wonen", "mensen die", "het", "groene ruimte", "digitale vaardigheden", "woon-", "en",
           "leefkwaliteit", "buurtbewoners/horeca", "Ouderen", "ß", "İstanbul", ",", ".",
           " ", "  ", "\n", "\n\n\n", "\t"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=12).map(" ".join), max_size=8))
def test_each_text_of_a_batch_gets_known_themes_of_its_own_words(nlp: Language, texts: list[str]) -> None:
    found = find_themes_batch(nlp, texts)
    assert len(found) == len(texts)
    for text, matches in zip(texts, found, strict=True):
        ids = theme_ids(matches)
        assert list(ids) == sorted(set(ids), key=VOCABULARY.ids.index)
        assert all(match.terms and all(term in text for term in match.terms) for match in matches)
