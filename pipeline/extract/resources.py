"""What extraction needs that is built once per process: the gazetteer and the NLP pipeline.

`Resources` binds them into the functions the segment and extract steps call, so that those
steps take one object instead of the libraries' handles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.model.records import PlaceMatch, ThemeMatch


@dataclass(frozen=True)
class Resources:
    """Gazetteer, theme vocabulary and spaCy pipeline, shared by every document of a process."""

    gazetteer: Any
    nlp: Any
    vocabulary: Any
    is_adjective: Callable[[str], bool]  # from the NLP module's lexicon

    def resolve_place(self, text: str, on: dt.date) -> PlaceMatch | None:
        """The municipality (and sub-municipality) `text` names on `on`, if any."""
        from pipeline.extract.gazetteer import resolve_place

        return resolve_place(self.gazetteer, text, on)

    def is_place(self, text: str, on: dt.date) -> bool:
        """Whether `text` names a place on `on`, or a merger's name ("Merelbeke-Melle") before it took effect."""
        return self.resolve_place(text, on) is not None or bool(self.split_merged_name(text, on))

    def split_merged_name(self, text: str, on: dt.date) -> tuple[str, ...]:
        """Before a merger, the municipalities its name stands for ("Merelbeke-Melle": Merelbeke, Melle)."""
        from pipeline.extract.gazetteer import split_merged_name

        return split_merged_name(self.gazetteer, text, on)

    def find_neighbourhoods(
        self, title: str, summary: str, municipality: str | None, sub: str | None, on: dt.date
    ) -> tuple[str, ...]:
        """The neighbourhoods an application names, other than the places valid on `on`."""
        from pipeline.extract.gazetteer import place_names
        from pipeline.extract.neighbourhoods import find_neighbourhoods

        return find_neighbourhoods(title, summary, municipality, sub, place_names(self.gazetteer, on),
                                   self.is_adjective)  # fmt: skip

    def find_themes(self, texts: Sequence[str]) -> list[tuple[ThemeMatch, ...]]:
        from pipeline.extract.nlp import find_themes_batch

        return find_themes_batch(self.nlp, texts)


def build_resources() -> Resources:
    """Load the gazetteer and build the spaCy pipeline (the slow part of a worker's start)."""
    from pipeline.extract.gazetteer import load_gazetteer
    from pipeline.extract.nlp import NlpConfig, adjective_test, build_nlp
    from pipeline.extract.themes import load_vocabulary

    vocabulary = load_vocabulary()
    nlp = build_nlp(NlpConfig(), vocabulary)
    return Resources(gazetteer=load_gazetteer(), nlp=nlp, vocabulary=vocabulary, is_adjective=adjective_test(nlp))
