"""process_document: bad input becomes exactly one failure row with a stage, a kind and a sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.model.records import SourceFile
from pipeline.runtime.batch import process_resources
from pipeline.runtime.process import ProcessConfig, process_document, sha256_of

BAD_STAGES = {
    "empty_file": "read",
    "damaged": "read",
    "not_a_pdf": "read",
    "encrypted": "read",
    "no_text_layer": "read",
    "not_a_written_question": "parse",
}


def _process(path: Path):
    data = path.read_bytes()
    source = SourceFile(path=path.name, location=str(path), sha256=sha256_of(data), size=len(data))
    return process_document(source, data, ProcessConfig(), process_resources())


def test_every_bad_input_is_one_clear_failure(fixture_set) -> None:
    for name, path in fixture_set.bad.items():
        result = _process(path)
        expected = fixture_set.bad_errors[name]
        assert result.document is None, name
        assert len(result.failures) == 1, name
        failure = result.failures[0]
        assert (failure.stage, failure.error) == (BAD_STAGES[expected], expected), name
        assert failure.source_file == name and failure.sha256 == sha256_of(path.read_bytes())
        assert failure.message.endswith(".") and len(failure.message.split()) >= 5, failure.message


@pytest.mark.parametrize("kind", sorted(set(BAD_STAGES)))
def test_each_kind_of_bad_input_is_generated(kind: str, fixture_set) -> None:
    assert kind in fixture_set.bad_errors.values()


def test_doc_id_derives_from_content_only(fixture_pdfs: dict[str, Path], tmp_path: Path) -> None:
    original = fixture_pdfs["seed_wijkverbeteringscontracten__official.pdf"]
    copy = tmp_path / "elders" / "andere-naam.pdf"
    copy.parent.mkdir()
    copy.write_bytes(original.read_bytes())
    assert _process(original).document.doc_id == _process(copy).document.doc_id
