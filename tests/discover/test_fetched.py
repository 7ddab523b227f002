"""Discovery of a tree `parlq fetch` wrote: sidecars attached, other formats as `not_pdf` failures, annexes skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.discover.fetched import is_fetched_other, sidecar_name
from pipeline.discover.sources import discover_sources
from pipeline.model.kinds import FailureKind, Stage

YEAR = "vlpar/2021-2022"


def _sidecar(folder: Path, question_id: str, files: list[str], **detail: object) -> None:
    record = {
        "source": "vlpar", "id": question_id, "zittingsjaar": "2021-2022",
        "detail": {"id": int(question_id), "thema": ["Wonen"], **detail},
        "files": [{"stem": Path(name).stem, "name": name, "url": f"http://127.0.0.1/pfile?id={n}"}
                  for n, name in enumerate(files)],
    }  # fmt: skip
    (folder / f"{question_id}.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    folder = tmp_path / YEAR
    folder.mkdir(parents=True)
    (folder / "100.pdf").write_bytes(b"%PDF-1.4 one")
    (folder / "100.2.pdf").write_bytes(b"%PDF-1.4 second file of 100")
    (folder / "100.bijlage-1.pdf").write_bytes(b"%PDF-1.4 annex")
    (folder / "100.bijlage-2.xlsx").write_bytes(b"PK annex")
    _sidecar(folder, "100", ["100.pdf", "100.2.pdf", "100.bijlage-1.pdf"])
    (folder / "200.docx").write_bytes(b"PK word")
    _sidecar(folder, "200", ["200.docx"])
    (folder / "300.pdf").write_bytes(b"%PDF-1.4 three")
    (folder / "300.json").write_text("{broken", encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"PK not fetched")  # no sidecar: not an input at all
    (tmp_path / "by-hand.pdf").write_bytes(b"%PDF-1.4 by hand")
    return tmp_path


def test_a_fetched_tree(tree: Path) -> None:
    found = discover_sources(tree)
    sources = {s.path: s for s in found.sources}
    assert sorted(sources) == ["by-hand.pdf", f"{YEAR}/100.2.pdf", f"{YEAR}/100.pdf", f"{YEAR}/300.pdf"]
    first, second = sources[f"{YEAR}/100.pdf"], sources[f"{YEAR}/100.2.pdf"]
    assert first.meta is not None and first.meta.vlpar_id == "100" and first.meta.parliament_themes == ("Wonen",)
    assert first.meta.source_url == "http://127.0.0.1/pfile?id=0"
    assert second.meta is not None and second.meta.source_url == "http://127.0.0.1/pfile?id=1"
    assert first.meta_sha256 and first.meta_sha256 != second.meta_sha256
    assert sources["by-hand.pdf"].meta is None and sources["by-hand.pdf"].meta_sha256 is None
    assert sources[f"{YEAR}/300.pdf"].meta is None  # broken sidecar: nulls ...
    (warning,) = found.warnings  # ... and a warning naming the document and its sidecar
    assert warning.startswith(f"{YEAR}/300.pdf: 300.json: ") and "not valid JSON" in warning
    (problem,) = found.problems
    assert (problem.source_file, problem.stage, problem.error) == (f"{YEAR}/200.docx", Stage.READ, FailureKind.NOT_PDF)
    assert "a Word document (.docx), not a PDF" in problem.message and problem.sha256


@pytest.mark.parametrize(
    ("name", "sidecar", "other"),
    [
        ("100.pdf", "100.json", False),
        ("100.2.pdf", "100.json", False),
        ("100.doc", "100.json", True),
        ("100.RTF", "100.json", True),
        ("100.xlsx", "100.json", True),
        ("100.bijlage-1.pdf", None, False),
        ("100.bijlage-1.docx", None, False),
        ("100.txt", None, False),
        ("x100.docx", None, False),
        ("101.docx", None, False),  # its sidecar is not there
    ],
)
def test_which_names_are_fetched_documents(name: str, sidecar: str | None, other: bool) -> None:
    siblings = frozenset({"100.json", name})
    assert sidecar_name(name, siblings) == sidecar
    assert is_fetched_other(name, siblings) is other
