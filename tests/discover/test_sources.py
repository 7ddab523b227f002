"""Discovery cannot be tricked: links out, odd names, FIFOs, OUT_DIR placement, duplicates."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.discover.sources import Discovery, discover_sources, input_files
from pipeline.model.kinds import FailureKind
from pipeline.runtime.limits import Limits


def _pdf(path: Path, content: bytes | str = b"%PDF-1.4 a") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _errors(found: Discovery) -> dict[str, str]:
    return {f.source_file: f.error for f in found.problems}


def _paths(found: Discovery) -> list[str]:
    return [s.path for s in found.sources]


def test_sources_are_relative_sorted_and_hashed(tmp_path: Path) -> None:
    _pdf(tmp_path / "b.pdf", "b")
    _pdf(tmp_path / "sub" / "a.PDF", "a")
    _pdf(tmp_path / "notes.txt", "x")
    found = discover_sources(tmp_path)
    assert _paths(found) == ["b.pdf", "sub/a.PDF"] and not found.problems
    assert all(len(s.sha256) == 64 and s.size == 1 and Path(s.location).is_absolute() for s in found.sources)


@pytest.mark.parametrize(
    "name",
    ["met spatie.pdf", "vraag é ü ß 日本.pdf", "nieuwe\nregel.pdf", " leading.pdf", "tab\there.pdf", "-dash.pdf",
     "quote'\"s.pdf", "a\\b.pdf"],
)  # fmt: skip
def test_odd_names_work(tmp_path: Path, name: str) -> None:
    _pdf(tmp_path / "dir met spatie" / name)
    found = discover_sources(tmp_path)
    assert _paths(found) == [f"dir met spatie/{name}"] and not found.problems


def test_name_that_is_not_utf8_is_reported_in_a_writable_form(tmp_path: Path) -> None:
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9.pdf"  # Latin-1 bytes: not UTF-8
    with open(raw, "wb") as handle:
        handle.write(b"%PDF-1.4")
    found = discover_sources(tmp_path)
    (failure,) = found.problems
    assert failure.error == "bad_file_name" and failure.source_file == "caf\\xe9.pdf"
    failure.source_file.encode("utf-8")  # Parquet needs valid UTF-8
    assert not found.sources


def test_link_to_etc_passwd_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "x.pdf").symlink_to("/etc/passwd")
    found = discover_sources(tmp_path)
    assert _errors(found) == {"x.pdf": FailureKind.OUTSIDE_SOURCE_DIR} and not found.sources
    assert found.problems[0].sha256 is None  # not even hashed


def test_link_to_a_folder_outside_is_reported(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _pdf(outside / "secret.pdf")
    source = tmp_path / "src"
    _pdf(source / "ok.pdf", "ok")
    (source / "elders").symlink_to(outside, target_is_directory=True)
    found = discover_sources(source)
    assert _paths(found) == ["ok.pdf"] and _errors(found) == {"elders": FailureKind.OUTSIDE_SOURCE_DIR}
    assert "folder" in found.problems[0].message


def test_links_inside_source_dir(tmp_path: Path) -> None:
    _pdf(tmp_path / "real" / "a.pdf", "a")
    (tmp_path / "alias.pdf").symlink_to(tmp_path / "real" / "a.pdf")
    (tmp_path / "again").symlink_to(tmp_path / "real", target_is_directory=True)
    found = discover_sources(tmp_path)
    # the linked file is a second name of the same content; the linked folder adds nothing
    assert _paths(found) == ["alias.pdf"] and _errors(found) == {"real/a.pdf": FailureKind.DUPLICATE}


@pytest.mark.parametrize("kind", ["dangling", "loop"])
def test_broken_links_are_unreadable(tmp_path: Path, kind: str) -> None:
    if kind == "dangling":
        (tmp_path / "gone.pdf").symlink_to(tmp_path / "nowhere.pdf")
    else:
        (tmp_path / "a.pdf").symlink_to(tmp_path / "b.pdf")
        (tmp_path / "b.pdf").symlink_to(tmp_path / "a.pdf")
    found = discover_sources(tmp_path)
    assert set(_errors(found).values()) == {"unreadable"} and not found.sources


def test_fifo_named_pdf_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.pdf")
    found = discover_sources(tmp_path)  # opening a FIFO for reading would wait for a writer forever
    assert _errors(found) == {"pipe.pdf": "not_a_file"}


def test_folder_named_pdf_is_walked(tmp_path: Path) -> None:
    _pdf(tmp_path / "map.pdf" / "inner.pdf")
    assert _paths(discover_sources(tmp_path)) == ["map.pdf/inner.pdf"]


def test_out_dir_inside_source_dir_is_skipped(tmp_path: Path) -> None:
    _pdf(tmp_path / "a.pdf", "a")
    _pdf(tmp_path / "output" / "cache" / "copy.pdf", "b")
    assert _paths(discover_sources(tmp_path, exclude=(tmp_path / "output",))) == ["a.pdf"]


@pytest.mark.parametrize("where", ["same", "parent"])
def test_out_dir_at_or_around_source_dir_hides_nothing(tmp_path: Path, where: str) -> None:
    source = tmp_path / "src"
    _pdf(source / "a.pdf", "a")
    _pdf(source / "sub" / "b.pdf", "b")
    out = source if where == "same" else tmp_path
    assert _paths(discover_sources(source, exclude=(out,))) == ["a.pdf", "sub/b.pdf"]


def test_duplicates_keep_both_names(tmp_path: Path) -> None:
    _pdf(tmp_path / "z" / "first.pdf", "same")
    _pdf(tmp_path / "a copy.pdf", "same")
    _pdf(tmp_path / "other.pdf", "other")
    found = discover_sources(tmp_path)
    assert _paths(found) == ["a copy.pdf", "other.pdf"]
    (duplicate,) = found.problems
    assert duplicate.source_file == "z/first.pdf" and duplicate.error == FailureKind.DUPLICATE
    assert "a copy.pdf" in duplicate.message and duplicate.sha256 == found.sources[0].sha256
    assert sorted(f.path for f in input_files(found)) == ["a copy.pdf", "other.pdf", "z/first.pdf"]


def test_too_large_files_are_not_hashed(tmp_path: Path) -> None:
    _pdf(tmp_path / "big.pdf", b"x" * 2048)
    _pdf(tmp_path / "small.pdf", b"x" * 10)
    found = discover_sources(tmp_path, limits=Limits(max_file_bytes=1024))
    assert _paths(found) == ["small.pdf"] and _errors(found) == {"big.pdf": "too_large"}
    assert found.problems[0].sha256 is None


_NAME = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1, max_size=12
).filter(lambda n: n not in {".", ".."} and len(n.encode()) < 200)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.lists(_NAME, max_size=2), _NAME, st.integers(0, 3)), max_size=8))
def test_every_pdf_is_accounted_for_with_a_relative_path(tmp_path_factory, files) -> None:
    root = tmp_path_factory.mktemp("tree")
    expected = set()
    for folders, name, content in files:
        path = root.joinpath(*folders, name + ".pdf")
        if any(p.exists() and not p.is_dir() for p in path.parents) or path.is_dir():
            continue  # a file where a folder is wanted
        _pdf(path, str(content))
        expected.add(path.relative_to(root).as_posix())
    found = discover_sources(root)
    inputs = [f.path for f in input_files(found)]
    assert sorted(inputs) == sorted(expected) and len(set(inputs)) == len(inputs)
    assert not any(p.startswith("/") or ".." in p.split("/") for p in inputs)
    assert len({s.sha256 for s in found.sources}) == len(found.sources)  # one source per content
    shutil.rmtree(root)


def test_annexes_beside_a_fetch_sidecar_are_not_documents(tmp_path: Path) -> None:
    _pdf(tmp_path / "vlpar" / "2021-2022" / "1593746.pdf", "question")
    _pdf(tmp_path / "vlpar" / "2021-2022" / "1593746.bijlage-1.pdf", "annex")
    (tmp_path / "vlpar" / "2021-2022" / "1593746.json").write_text("{}")
    _pdf(tmp_path / "other" / "7.bijlage-1.pdf", "no sidecar: a document like any other")
    found = discover_sources(tmp_path)
    assert _paths(found) == ["other/7.bijlage-1.pdf", "vlpar/2021-2022/1593746.pdf"] and not found.problems
