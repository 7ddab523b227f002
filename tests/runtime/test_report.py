"""Run accounting: every input is exactly one of a document, a failed file, a duplicate."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.discover.sources import Discovery, input_files
from pipeline.model.kinds import FailureKind
from pipeline.model.records import DocumentResult, DocumentRow, Failure, SnapshotInfo, SourceFile
from pipeline.runtime.report import AccountingError, check_accounting, format_failures, format_summary, summarize_run


def _source(path: str) -> SourceFile:
    return SourceFile(path=path, location=f"/src/{path}", sha256=f"{abs(hash(path)):064x}"[:64], size=1)


def _document(path: str, *failures: Failure) -> DocumentResult:
    row = DocumentRow("d", path, "s", "schriftelijke_vraag", 1, dt.date(2021, 1, 1), "A", "B", "T", "Titel", 1, None, 0)
    return DocumentResult(path, "s", 1, row, failures=failures)


def _failed(path: str, error: str = "damaged") -> DocumentResult:
    return DocumentResult(path, "s", 0, None, failures=(Failure(path, "s", "read", error, "m"),))


INFO = SnapshotInfo(snapshot_id="0" * 16, path="/out/snapshots/x", published=True, row_counts=())


def test_counts_by_source_file() -> None:
    inputs = [_source(p) for p in ("a.pdf", "b.pdf", "c.pdf", "d.pdf")]
    results = [
        _document("a.pdf"),
        _document("b.pdf", Failure("b.pdf", "s", "validate", "declared_count_mismatch", "m")),  # still a document
        _failed("c.pdf"),
        _failed("d.pdf", FailureKind.DUPLICATE),
    ]
    assert check_accounting(inputs, results) == (2, 1, 1)


@pytest.mark.parametrize(
    ("results", "problem"),
    [
        ([_document("a.pdf")], "b.pdf has no result"),
        ([_document("a.pdf"), _failed("b.pdf"), _failed("c.pdf")], "c.pdf has a result but is not an input"),
        ([_document("a.pdf"), _failed("b.pdf"), _failed("b.pdf")], "b.pdf has more than one result"),
        ([_document("a.pdf", Failure("a.pdf", "s", "read", FailureKind.DUPLICATE, "m")), _failed("b.pdf")],
         "a.pdf is document and duplicate"),
        ([_document("a.pdf"), DocumentResult("b.pdf", "s", 0, None)], "b.pdf is neither a document nor a failure"),
    ],
)  # fmt: skip
def test_violations_are_fatal(results: list[DocumentResult], problem: str) -> None:
    with pytest.raises(AccountingError) as caught:
        check_accounting([_source("a.pdf"), _source("b.pdf")], results)
    assert problem in caught.value.problems


def test_repeated_input_is_a_violation() -> None:
    with pytest.raises(AccountingError, match="listed twice"):
        check_accounting([_source("a.pdf"), _source("a.pdf")], [_document("a.pdf")])


@given(st.lists(st.sampled_from(["document", "failed", "duplicate"]), max_size=30))
def test_counts_always_add_up(kinds: list[str]) -> None:
    paths = [f"f{i}.pdf" for i in range(len(kinds))]
    makers = {"document": _document, "failed": _failed, "duplicate": lambda p: _failed(p, FailureKind.DUPLICATE)}
    results = [makers[kind](path) for kind, path in zip(kinds, paths, strict=True)]
    documents, failed, duplicates = check_accounting([_source(p) for p in paths], results)
    assert (documents, failed, duplicates) == tuple(kinds.count(k) for k in ("document", "failed", "duplicate"))


def test_summary_prints_the_three_counts() -> None:
    discovery = Discovery(
        sources=(_source("a.pdf"), _source("b.pdf")),
        problems=(
            Failure("c.pdf", "s", "read", FailureKind.DUPLICATE, "m"),
            Failure("x.pdf", None, "read", "outside", "m"),
        ),
    )
    duplicate = _failed("c.pdf", FailureKind.DUPLICATE)
    results = [_document("a.pdf"), _failed("b.pdf"), duplicate, _failed("x.pdf", "outside")]
    assert len(input_files(discovery)) == 4
    summary = summarize_run(discovery, results, parsed=2, cached=0, info=INFO)
    assert (summary.inputs, summary.documents, summary.failed, summary.duplicates) == (4, 1, 2, 1)
    assert "4 files = 1 documents + 2 failed + 1 duplicates" in format_summary(summary)
    with pytest.raises(AccountingError):
        summarize_run(discovery, results[:3], parsed=2, cached=0, info=INFO)


def test_failure_lines_escape_control_characters() -> None:
    text = format_failures([Failure("nieuwe\nregel.pdf", None, "read", "damaged", "kapot")])
    assert "\n" not in text and "nieuwe\\nregel.pdf" in text


def test_conflicts_and_warnings_reach_the_summary_and_its_json() -> None:
    from dataclasses import replace

    from pipeline.model.records import MetadataConflict
    from pipeline.runtime.report import format_conflicts, summary_record

    conflict = MetadataConflict("a.pdf", "questioner", "Chris Janssens", "Jan Peumans")
    results = (replace(_document("a.pdf"), conflicts=(conflict,)), _document("b.pdf"))
    found = Discovery(sources=(_source("a.pdf"), _source("b.pdf")), problems=(), warnings=("b.pdf: b.json: broken",))
    summary = summarize_run(found, results, 2, 0, INFO)
    assert summary.conflicts == (conflict,) and summary.warnings == ("b.pdf: b.json: broken",)
    record = summary_record(summary)
    assert record["conflicts"] == [
        {"source_file": "a.pdf", "field": "questioner", "pdf": "Chris Janssens", "parliament": "Jan Peumans"}
    ]
    assert record["warnings"] == ["b.pdf: b.json: broken"]
    assert "conflicts    1" in format_summary(summary) and "warnings     1" in format_summary(summary)
    assert format_conflicts(summary.conflicts) == "  a.pdf: questioner: PDF 'Chris Janssens', Parliament 'Jan Peumans'"


def test_document_warnings_reach_the_summary_beside_the_sidecars_carried_ones_included() -> None:
    from dataclasses import replace

    from pipeline.model.records import CarryPlan
    from pipeline.runtime.report import summary_record

    ambiguous = "A list on page 2 has 4 items of which 3 name an applicant and a title: the others were left out."
    results = (replace(_document("b.pdf"), warnings=(ambiguous,)), _document("a.pdf"))
    carried = CarryPlan("/out/snapshots/old", (_source("c.pdf"),), (("c.pdf", "e"),), (("c.pdf", 1),), (), 0, 0,
                        warnings=(("c.pdf", "document e, application 3: the applicant 'vzw X' names no municipality"),))
    found = Discovery(sources=tuple(_source(p) for p in ("a.pdf", "b.pdf", "c.pdf")), problems=(),
                      warnings=("a.pdf: a.json: broken",))  # fmt: skip
    summary = summarize_run(found, results, 2, 0, INFO, carried)
    assert summary.warnings == (
        "a.pdf: a.json: broken",
        f"b.pdf: {ambiguous}",
        "c.pdf: document e, application 3: the applicant 'vzw X' names no municipality",
    )
    assert summary_record(summary)["warnings"] == list(summary.warnings)
    assert "warnings     3" in format_summary(summary)
