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
    "pydantic": {"pipeline/dataset/cache.py"},
    "requests": {"pipeline/sources/vlpar/client.py"},  # the only module that talks HTTP
    "urllib3": {"pipeline/sources/vlpar/client.py"},
    "jinja2": {"pipeline/report/html.py"},
    "selenium": set(),  # the tests' browser driver only
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


# Where a failure's stage and error sit in each constructor: (positions, keywords).
FAILURE_CALLS = {"Failure": ({2, 3}, {"stage", "error"}), "DocumentError": ({0, 1}, {"stage", "kind"})}


def _literal_failures(source: str) -> list[int]:
    """Lines of FAILURE_CALLS calls that give a stage or an error as a string literal."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FAILURE_CALLS):
            continue
        positions, keywords = FAILURE_CALLS[node.func.id]
        args = [a for i, a in enumerate(node.args) if i in positions]
        args += [k.value for k in node.keywords if k.arg in keywords]
        if any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
            found.append(node.lineno)
    return found


@pytest.mark.parametrize("path", LIBRARY, ids=_name)
def test_failures_name_their_stage_and_error_with_the_enums(path: Path) -> None:
    # pipeline.model.kinds: a typo in a literal ("unreadble") would pass every check and split a kind in two
    assert not _literal_failures(path.read_text(encoding="utf-8"))


def test_the_literal_check_sees_literals() -> None:
    source = """
Failure(path, None, Stage.READ, "unreadable", message)
Failure(path, None, stage="read", error=FailureKind.UNREADABLE, message=message)
DocumentError("parse", FailureKind.NO_DATE, message)
Failure(path, None, Stage.READ, FailureKind.UNREADABLE, "a message may be a literal")
"""
    assert _literal_failures(source) == [2, 3, 4]
