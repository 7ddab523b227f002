"""The code's layout rules, read from the source: dependencies point one way and each library has one home."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LIBRARY = sorted((REPO / "pipeline").rglob("*.py")) + sorted((REPO / "schemas").glob("*.py"))
# Where each library may be imported (paths from the repository's root).
HOMES = {
    "pdfplumber": {"pipeline/read/plumber.py"},
    "pypdfium2": {"pipeline/read/pdfium/reader.py", "pipeline/read/pdfium/glyphs.py", "pipeline/read/pdfium/text.py"},
    "spacy": {"pipeline/extract/nlp.py"},
    "pandera": {"pipeline/validate/checks.py"},
}
PARQUET_WRITES = {"write_table", "write_to_dataset", "to_parquet", "ParquetWriter"}


def _imports(path: Path) -> set[str]:
    """Top-level package of every module `path` imports, wherever the import statement is."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _attributes(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}


def _name(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


@pytest.mark.parametrize("path", LIBRARY, ids=_name)
def test_the_library_never_imports_the_orchestration(path: Path) -> None:
    assert not _imports(path) & {"prefect", "dask", "distributed", "flows", "bench", "tests"}


@pytest.mark.parametrize("path", LIBRARY, ids=_name)
def test_the_library_reads_no_environment(path: Path) -> None:
    # settings come in as arguments; only flows/ reads the environment
    assert not _attributes(path) & {"environ", "getenv", "putenv"}


@pytest.mark.parametrize("library", sorted(HOMES))
def test_each_library_has_one_home(library: str) -> None:
    code = LIBRARY + sorted((REPO / "flows").glob("*.py"))
    assert {_name(p) for p in code if library in _imports(p)} == HOMES[library]


def test_only_the_writer_writes_parquet() -> None:
    code = LIBRARY + sorted((REPO / "flows").glob("*.py"))
    assert {_name(p) for p in code if _attributes(p) & PARQUET_WRITES} == {"pipeline/dataset/write.py"}


def test_no_grab_bag_modules() -> None:
    assert not [p for p in LIBRARY if p.stem in {"utils", "util", "helpers", "misc", "common"}]
