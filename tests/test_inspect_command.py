"""`parlq inspect PDF`: text and JSON on stdout, a broken PDF in one line with exit status 1, no Prefect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import main
from tests.fixtures.ambiguous import LIST_WARNING, render_ambiguous

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ambiguous(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_ambiguous(tmp_path_factory.mktemp("inspect") / "ambiguous.pdf")


def test_text_shows_lists_items_places_and_warnings(ambiguous: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["inspect", str(ambiguous)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("file         ambiguous.pdf (2 pages, sha256 ")
    assert "list 1  bullet-colon  submitted  pages 2  3 items" in out and f"! {LIST_WARNING}" in out
    assert "    3. p. 2      vzw De Schakel – Buurtpensioen in kleine kernen" in out
    assert "amount: € 40,000" in out and out.rstrip().endswith("are left empty")
    assert err == ""


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_json_is_one_object_with_the_exit_status(
    fixture_pdfs: dict[str, Path], capsys: pytest.CaptureFixture, engine: str
) -> None:
    path = fixture_pdfs["wijkverbeteringscontracten_selectie_2025__plain.pdf"]
    code = main(["inspect", str(path), "--engine", engine, "--json"])
    out, _ = capsys.readouterr()
    (line,) = out.splitlines()
    record = json.loads(line)
    assert record["exit_code"] == code and record["file"] == path.name
    items = [item for found in record["lists"] for item in found["items"]]
    assert items and all({"applicant", "places", "list_rule", "heading", "budget_eur"} <= set(item) for item in items)
    assert code == (1 if record["failures"] else 0)


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_broken_pdf_is_one_clear_line_and_exit_status_1(
    fixture_set, capsys: pytest.CaptureFixture, as_json: bool
) -> None:
    path = fixture_set.bad["damaged_xref.pdf"]
    assert main(["inspect", str(path), *(["--json"] if as_json else [])]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if as_json:
        record = json.loads(out)
        assert (record["document"], record["exit_code"], record["failures"][0]["error"]) == (None, 1, "damaged")
    else:
        assert out == "" and err == f"parlq: {path}: [read/damaged] The PDF's cross-reference pointer lies past " \
                                    "the end of the file.\n"


@pytest.mark.parametrize("name", ["missing.pdf", "."])
def test_a_path_that_is_no_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture, name: str) -> None:
    assert main(["inspect", str(tmp_path / name)]) == 2
    assert "give a PDF file" in capsys.readouterr().err


def test_it_imports_no_prefect_and_writes_nothing(ambiguous: Path, tmp_path: Path) -> None:
    script = ("import sys; from flows.cli import main; code = main(['inspect', sys.argv[1], '--json']); "
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'prefect')); sys.exit(code)")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run([sys.executable, "-c", script, str(ambiguous)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    record, imported = run.stdout.splitlines()
    assert json.loads(record)["lists"][0]["warnings"] == [LIST_WARNING]
    assert imported == "[]" and list(tmp_path.iterdir()) == []
    assert sorted(p.name for p in ambiguous.parent.iterdir()) == ["ambiguous.pdf"]
