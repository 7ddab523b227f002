"""Provenance: the code version follows the source content, not the checkout."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pipeline.dataset.provenance import (
    LIBRARIES,
    RESULT_LIBRARIES,
    code_version,
    hash_sources,
    library_versions,
    package_version,
)

REPO = Path(__file__).resolve().parents[2]


def make_tree(root: Path) -> Path:
    for name, text in {
        "pyproject.toml": '[project]\nname = "parlq"\nversion = "1.2.3"\n',
        "pipeline/step.py": "x = 1\n",
        "pipeline/data/table.csv": "a,b\n1,2\n",
        "schemas/dataset.json": "{}\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_code_version_format() -> None:
    assert re.fullmatch(r"[0-9][^+]*\+[0-9a-f]{12}", code_version())
    assert code_version() == code_version()


def test_same_content_same_hash_anywhere(tmp_path: Path) -> None:
    one = make_tree(tmp_path / "one")
    two = shutil.copytree(one, tmp_path / "elsewhere" / "two")
    assert hash_sources(one) == hash_sources(two)
    assert package_version(one) == "1.2.3"


@pytest.mark.parametrize(
    ("name", "text", "changes"),
    [
        ("pipeline/step.py", "x = 2\n", True),
        ("pipeline/data/table.csv", "a,b\n1,3\n", True),
        ("schemas/dataset.json", '{"v": 1}\n', True),
        ("pipeline/new.py", "", True),
        ("pipeline/step.py", "x = 1\r\n", False),  # CRLF checkout
        ("pipeline/__pycache__/step.cpython-311.pyc", "junk", False),
        ("pipeline/.step.py.swp", "junk", False),
        ("tests/test_step.py", "junk", False),
        ("README.md", "junk", False),
    ],
)
def test_hash_follows_source_files_only(tmp_path: Path, name: str, text: str, changes: bool) -> None:
    root = make_tree(tmp_path)
    before = hash_sources(root)
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, newline="")
    assert (hash_sources(root) != before) is changes


def test_a_library_upgrade_is_a_new_code_version(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    assert hash_sources(root, {"spacy": "3.8.0"}) != hash_sources(root, {"spacy": "3.8.1"}) != hash_sources(root)
    assert hash_sources(root, {"a": "1", "b": "2"}) == hash_sources(root, {"b": "2", "a": "1"})
    assert code_version().endswith("+" + hash_sources(REPO, library_versions(RESULT_LIBRARIES)))
    assert "prefect" not in RESULT_LIBRARIES and {"pdfplumber", "pdfminer.six", "spacy"} <= set(RESULT_LIBRARIES)


def test_library_versions() -> None:
    versions = library_versions()
    assert list(versions) == sorted(LIBRARIES)
    assert all(versions.values())
    assert library_versions(("surely-not-installed-xyz",)) == {"surely-not-installed-xyz": "not installed"}
