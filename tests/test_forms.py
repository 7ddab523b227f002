"""The application-list layout families: markup of list forms, truth files, renders, and the scorer."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.forms import field_equal, normalise, score_rows
from pipeline.model.kinds import ListRule
from tests.fixtures.families import FORM_STYLES, FORMS_DIR, family_names, load_truth, render_forms
from tests.fixtures.markup import (
    MARKER_FONTS,
    FixtureDoc,
    FixtureMeta,
    Heading,
    Item,
    Paragraph,
    TableBlock,
    format_markup,
    parse_markup,
)

FAMILIES = family_names()
MUNICIPALITIES = Path(__file__).parents[1] / "pipeline" / "data" / "municipalities.csv"
STATUSES = {"submitted", "accepted", "rejected"}
LIST_RULES = {rule.value for rule in ListRule}  # the truth's rules are the dataset's (schema enum list_rule)
_WORD = re.compile(r"[^\W_]+(?:[-'.,][^\W_]+)*")  # "heist-op-den-berg", "2.800.000", "2,6"
_META = FixtureMeta(1, dt.date(2024, 1, 1), "Q", "M", "TITEL", "Titel")


def _doc(*answer: Any) -> FixtureDoc:
    return FixtureDoc(_META, (Paragraph("Vraag?"),), tuple(answer))


# --- markup of the list forms -----------------------------------------------------------------


def test_parse_markup_reads_marked_items_headings_and_unruled_tables() -> None:
    text = format_markup(_doc()).replace("=== ANTWOORD\n", "=== ANTWOORD\n\n" + """\
## Aalst
#[U+F0B7@Symbol|tab] Aalst: Speelstraten (€ 25.000)
#[a.] GENT – Samen
met een samenvatting
### RONSE
=== UNRULED
| Gemeente | Bedrag |
| Ronse | 1.000 |
""")
    answer = parse_markup(text).answer
    assert answer == (
        Heading("Aalst"),
        Item("Aalst: Speelstraten (€ 25.000)", "", marker="\uf0b7", marker_font="Symbol", marker_tab=True),
        Item("GENT – Samen", "met een samenvatting", marker="a."),
        Heading("RONSE", bold=False),
        TableBlock((("Gemeente", "Bedrag"), ("Ronse", "1.000")), ruled=False),
    )
    assert "#[U+F0B7@Symbol|tab] Aalst" in format_markup(_doc(*answer))


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("=== UNRULED\nGewone tekst.\n", "must precede a table"),
        ("Tekst.\n\n=== UNRULED\n", "must precede a table"),
        ("#[•@Arial] Gent – Titel\n", "marker font"),
        ("#[•]Gent – Titel\n", "marked item"),
    ],
)
def test_parse_markup_rejects_list_form_mistakes(tail: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_markup(format_markup(_doc()) + "\n" + tail)


_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé-–:()€0123456789 ", min_size=1, max_size=30).map(
    lambda s: " ".join(s.split()) or "x").filter(lambda s: not s.startswith(("#", "|", "%", "=")))  # fmt: skip
_marker = st.sampled_from(["•", "–", "-", "*", "▪", "1.", "(2)", "iv.", "B)", "\uf0b7", "o", "§"])
_new_block = st.one_of(
    st.builds(Heading, _text, st.booleans()),
    st.builds(Item, _text, st.one_of(st.just(""), _text), _marker, st.sampled_from(MARKER_FONTS), st.booleans()),
    st.lists(st.tuples(_text, st.one_of(st.just(""), _text)), min_size=1, max_size=3).map(
        lambda rows: TableBlock(tuple(rows), ruled=False)),
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(answer=st.lists(_new_block, max_size=8))
def test_format_then_parse_gives_back_list_forms(answer: list[Any]) -> None:
    doc = _doc(*answer)
    assert parse_markup(format_markup(doc)) == doc


@pytest.mark.parametrize("family", FAMILIES)
def test_family_markup_round_trips(family: str) -> None:
    doc = parse_markup((FORMS_DIR / f"{family}.txt").read_text(encoding="utf-8"))
    assert parse_markup(format_markup(doc)) == doc


# --- truth files ------------------------------------------------------------------------------


def test_there_are_at_least_eight_families_and_a_negative_one() -> None:
    assert len(FAMILIES) >= 8
    assert any(not load_truth(family)["applications"] for family in FAMILIES)
    assert {path.stem.removesuffix(".expected") for path in FORMS_DIR.glob("*.json")} == set(FAMILIES)


@pytest.mark.parametrize("family", FAMILIES)
def test_truth_agrees_with_its_document_and_the_reference_data(family: str) -> None:
    truth = load_truth(family)
    doc = parse_markup((FORMS_DIR / f"{family}.txt").read_text(encoding="utf-8"))
    apps = truth["applications"]
    assert truth["family"] == family
    assert truth["document"]["question_number"] == doc.meta.number
    assert truth["document"]["question_date"] == doc.meta.date.isoformat()
    assert truth["document"]["application_count"] == len(apps)
    assert [app["item_number"] for app in apps] == list(range(1, len(apps) + 1))
    for app in apps:
        assert app["status"] in STATUSES and app["list_rule"] in LIST_RULES
        places = app["municipalities"]
        lead = places[0] if places else {"municipality": None, "nis_code": None, "sub_municipality": None}
        assert (app["municipality"], app["nis_code"], app["sub_municipality"]) == (
            lead["municipality"], lead["nis_code"], lead["sub_municipality"])  # fmt: skip
        assert [place["position"] for place in places] == list(range(1, len(places) + 1))
        for place in places:
            assert _reference(place["municipality"], doc.meta.date) == (place["nis_code"], place["province"])


def _reference(name: str, on: dt.date) -> tuple[str, str]:
    with MUNICIPALITIES.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["name"] == name
                and r["valid_from"] <= on.isoformat() <= r["valid_to"]]  # fmt: skip
    assert len(rows) == 1, f"{name} is not one municipality on {on}"
    return rows[0]["nis_code"], rows[0]["province"]


# --- renders ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    return render_forms(tmp_path_factory.mktemp("forms"))


@pytest.mark.slow
@pytest.mark.parametrize("style", sorted(FORM_STYLES))
@pytest.mark.parametrize("family", FAMILIES)
def test_rendered_text_shows_every_truth_application(
    rendered: dict[tuple[str, str], Path], family: str, style: str
) -> None:
    words = _words(rendered[family, style])
    for app in load_truth(family)["applications"]:
        for phrase in (app["title"], app["applicant"]):
            assert _spelled(words, phrase), f"{phrase!r} is not in {family}__{style}.pdf"
        for place in app["municipalities"]:
            named = [place["municipality"], place["sub_municipality"]]
            assert any(_spelled(words, name) for name in named if name), f"{named} not in {family}__{style}.pdf"


@pytest.mark.slow
@pytest.mark.parametrize("style", sorted(FORM_STYLES))
def test_list_markers_reach_the_text_layer(rendered: dict[tuple[str, str], Path], style: str) -> None:
    for family in FAMILIES:
        doc = parse_markup((FORMS_DIR / f"{family}.txt").read_text(encoding="utf-8"))
        text = _text_of(rendered[family, style])
        for item in (block for block in doc.answer if isinstance(block, Item) and block.marker):
            assert normalise(f"{item.marker} {' '.join(item.heading.split()[:2])}") in text


def test_renders_are_byte_identical_for_the_same_input(tmp_path: Path) -> None:
    first = render_forms(tmp_path / "a", only=("bullets_word",))
    again = render_forms(tmp_path / "b", only=("bullets_word",))
    assert [p.read_bytes() for p in first.values()] == [p.read_bytes() for p in again.values()]


def _text_of(path: Path) -> str:
    """The document's text in reading order, case, dashes and spacing folded."""
    with pdfplumber.open(path) as pdf:
        return normalise("\n".join(page.extract_text() or "" for page in pdf.pages))


def _words(path: Path) -> list[str]:
    return _WORD.findall(_text_of(path))


def _spelled(words: list[str], phrase: str) -> bool:
    """The phrase's words in order, at most a table row's width apart (a wrapped cell interleaves)."""
    wanted = _WORD.findall(normalise(phrase))
    for start in (i for i, word in enumerate(words) if word == wanted[0]):
        at, found = start, True
        for word in wanted[1:]:
            nxt = next((j for j in range(at + 1, min(at + 12, len(words))) if words[j] == word), None)
            if nxt is None:
                found = False
                break
            at = nxt
        if found:
            return True
    return False


# --- the scorer (bench/forms.py) --------------------------------------------------------------


def _row(municipality: str | None, title: str, **fields: Any) -> dict[str, Any]:
    return {"municipality": municipality, "title": title, **fields}


def test_score_rows_matches_on_municipality_and_normalised_title() -> None:
    truth = [_row("Gent", "Samen – sterk", status="accepted"), _row("Aalst", "Speelstraten", status="submitted")]
    found = [_row("Gent", "samen - sterk ", status="submitted"), _row("Ronse", "Speelstraten", status="submitted")]
    score = score_rows(truth, found)
    assert (score["truth"], score["found"], score["matched"]) == (2, 2, 1)
    assert score["missed"] == ["Speelstraten"] and score["extra"] == ["Ronse: Speelstraten"]
    assert score["fields"]["status"] == [0, 1] and score["fields"]["title"] == [0, 1]
    assert score["fields"]["list_rule"] is None  # a column the snapshot does not have


@pytest.mark.parametrize(
    ("field", "want", "got", "equal"),
    [
        ("budget_eur", 250000.0, 250000.2, True),
        ("budget_eur", None, 0.0, False),
        ("neighbourhoods", ["Rabot", "Sluizeken"], ["sluizeken", "Rabot"], True),
        ("title", "Kiewit  kookt", "Kiewit kookt", True),
        ("status", "accepted", "submitted", False),
    ],
)
def test_field_equal(field: str, want: Any, got: Any, equal: bool) -> None:
    assert field_equal(field, {field: want}, {field: got}) is equal


def test_normalise_folds_case_dashes_quotes_and_edges() -> None:
    assert normalise("  Flora – een ‘plein’. ") == normalise("flora - een 'plein'") == "flora - een 'plein"
    assert re.fullmatch(r"[a-z' -]+", normalise("Ontmoeten\u00adin Far—West"))
