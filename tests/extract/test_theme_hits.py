"""Tests for pipeline.extract.theme_hits: how word hits add up to theme matches."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.extract.theme_hits import Word, collect, is_verbal_at, span_text
from pipeline.extract.themes import load_vocabulary
from pipeline.model.records import ThemeMatch

THEMES = load_vocabulary().themes


def _words(text: str) -> list[Word]:
    return [Word(w, len(w), w.lower(), w.lower(), ()) for w in text.split()]


def test_collect_keeps_the_longest_span_folds_repeats_and_follows_the_vocabulary() -> None:
    hits = [
        (1, 10, -14, "Zorg"),
        (0, 0, -20, "sociale huisvesting"),
        (0, 7, -20, "huisvesting"),  # inside the longer span at 0: dropped
        (0, 30, -41, "Huisvesting"),  # a repeat, another case: folded into the first
        (1, 50, -54, "zorg"),
    ]
    assert collect(THEMES, hits) == (
        ThemeMatch(theme=THEMES[0].id, terms=("sociale huisvesting", "Huisvesting")),
        ThemeMatch(theme=THEMES[1].id, terms=("Zorg",)),
    )


@given(st.lists(st.tuples(st.integers(0, len(THEMES) - 1), st.integers(0, 50), st.integers(1, 10),
                          st.sampled_from(["wonen", "Wonen", "zorg", "groen"]))))
def test_collect_reports_only_given_surfaces_in_vocabulary_order(raw: list[tuple[int, int, int, str]]) -> None:
    hits = [(index, start, -(start + size), surface) for index, start, size, surface in raw]
    matches = collect(THEMES, hits)
    ids = [THEMES[i].id for i in sorted({h[0] for h in hits})]
    assert [m.theme for m in matches] == ids
    assert all(set(m.terms) <= {h[3] for h in hits} for m in matches)


@pytest.mark.parametrize(
    ("text", "position", "verbal"),
    [
        ("In de wijk wonen veel ouderen", 3, True),
        ("ouderen die alleen wonen", 3, True),
        ("het wonen in de wijk", 1, False),
        ("welzijn , wonen en werk", 2, False),
        ("wonen aan de kreek", 0, False),
    ],
)
def test_is_verbal_at(text: str, position: int, verbal: bool) -> None:
    assert is_verbal_at(position, _words(text)) is verbal


def test_span_text_puts_the_spaces_back() -> None:
    words = _words("veilig en leefbaar")
    assert span_text(words, [2, 1, 0], 0, 3) == "veilig  en leefbaar"
    assert span_text(words, [2, 1, 0], 1, 2) == "en"
