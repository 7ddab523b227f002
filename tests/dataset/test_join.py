"""The join: a document row completed from its sidecar; only real disagreements with the PDF are conflicts."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.dataset.join import join_metadata, same_name
from pipeline.model.kinds import DocType
from pipeline.model.records import DocumentResult, DocumentRow, MetadataConflict, SourceFile, SourceMeta

ROW = DocumentRow(
    doc_id="0" * 16, source_file="vlpar/2021-2022/1593746.pdf", sha256="0" * 64, doc_type=DocType.SCHRIFTELIJKE_VRAAG,
    question_number=12, question_date=dt.date(2021, 10, 1), questioner="Chris Janssens", minister="Bart Somers",
    minister_title="Viceminister-president", title="Wijkverbeteringscontracten", n_pages=3,
    declared_application_count=20, application_count=20,
)  # fmt: skip
RESULT = DocumentResult(source_file=ROW.source_file, sha256=ROW.sha256, n_pages=3, document=ROW)
META = SourceMeta(
    vlpar_id="1593746", zittingsjaar="2021-2022", parliament_themes=("Wonen",), answer_date=dt.date(2021, 10, 28),
    source_url="http://127.0.0.1/pfile?id=1", question_number=12, questioner="JANSSENS Chris", minister="Bart Somers",
)  # fmt: skip


def _source(meta: SourceMeta | None) -> SourceFile:
    return SourceFile(ROW.source_file, "/x", ROW.sha256, 10, meta=meta)


def test_the_parliament_columns_are_filled_and_agreement_is_no_conflict() -> None:
    joined = join_metadata(RESULT, _source(META))
    row = joined.document
    assert row is not None
    assert (row.vlpar_id, row.zittingsjaar, row.parliament_themes, row.answer_date, row.source_url) == (
        "1593746", "2021-2022", ("Wonen",), dt.date(2021, 10, 28), "http://127.0.0.1/pfile?id=1",
    )  # fmt: skip
    assert joined.conflicts == ()


def test_without_a_sidecar_nothing_changes() -> None:
    assert join_metadata(RESULT, _source(None)) is RESULT
    failed = DocumentResult(source_file="x.pdf", sha256="0" * 64, n_pages=0, document=None)
    assert join_metadata(failed, _source(META)) is failed


def test_disagreements_keep_the_pdf_and_are_recorded() -> None:
    meta = SourceMeta(question_number=13, questioner="Chris Janssen", minister=None)
    joined = join_metadata(RESULT, _source(meta))
    assert joined.document is not None and joined.document.questioner == "Chris Janssens"
    assert joined.document.question_number == 12
    assert joined.conflicts == (
        MetadataConflict(ROW.source_file, "question_number", "12", "13"),
        MetadataConflict(ROW.source_file, "questioner", "Chris Janssens", "Chris Janssen"),
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Chris Janssens", "JANSSENS Chris"),
        ("Chris Janssens", "Janssens, Chris"),
        ("Chris Janssens", "C. Janssens"),
        ("Jan-Peter De Smet", "J.P. De Smet"),
        ("Jo Vandeurzen", "Van Deurzen Jo"),
        ("Hilde Crevits", "hilde  crevits"),
        ("Zuhal Demir", "Zühal Démir"),
        ("Koen Van den Heuvel", "Van Den Heuvel, Koen"),
    ],
)
def test_the_same_person_written_differently(a: str, b: str) -> None:
    assert same_name(a, b) and same_name(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Chris Janssens", "Chris Janssen"),
        ("Bart Somers", "Gwendolyn Rutten"),
        ("Chris Janssens", "C. D. Janssens"),
        ("Chris Janssens", "K. Janssens"),
        ("Chris Janssens", "C. J."),
    ],
)
def test_different_people(a: str, b: str) -> None:
    assert not same_name(a, b) and not same_name(b, a)


_NAME = st.lists(st.text("abcdeéfgh", min_size=1, max_size=6), min_size=1, max_size=4)


@given(tokens=_NAME, order=st.randoms(use_true_random=False))
def test_any_name_matches_itself_in_any_order_and_case(tokens: list[str], order) -> None:  # noqa: ANN001
    shuffled = list(tokens)
    order.shuffle(shuffled)
    assert same_name(" ".join(tokens), " ".join(shuffled).upper())
