"""Cache: exact round trips, corrupted entries are misses (and deleted), keys include versions."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.dataset.cache import CACHE_FORMAT, CacheKey, clear_cache, load_cached, rebind_source, store_cached
from pipeline.model.records import DocumentResult
from tests.builders import make_failed, make_result

RESULT = make_result("a", 3, declared=None)
KEY = CacheKey(RESULT.sha256, "0.1.0+abc", "1.1.0")


@pytest.mark.parametrize(
    "result",
    [RESULT, make_failed("b"), make_result("c", 0, max_budget=None),
     replace(RESULT, warnings=("A list on page 2 has 4 items of which 3 name an applicant and a title.",),
             applications=(replace(RESULT.applications[0], municipality=None, nis_code=None, province=None,
                                   applicant="vzw De Schakel", municipalities=(), heading_box=None),))],
)  # fmt: skip
def test_round_trip(tmp_path: Path, result: DocumentResult) -> None:
    key = replace(KEY, sha256=result.sha256)
    store_cached(tmp_path, key, result)
    assert load_cached(tmp_path, key) == result


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=st.text(min_size=1, max_size=40),
    budget=st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
    neighbourhoods=st.lists(st.text(max_size=10), max_size=3),
    declared=st.one_of(st.none(), st.integers(0, 100)),
)
def test_round_trip_any_values(
    tmp_path: Path, title: str, budget: float | None, neighbourhoods: list[str], declared: int | None
) -> None:
    app = replace(
        RESULT.applications[0], title=title, budget_eur=budget, neighbourhoods=tuple(neighbourhoods)
    )
    result = replace(
        RESULT, applications=(app,), document=replace(RESULT.document, declared_application_count=declared)
    )
    store_cached(tmp_path, KEY, result)
    assert load_cached(tmp_path, KEY) == result


def test_miss_when_absent(tmp_path: Path) -> None:
    assert load_cached(tmp_path / "nowhere", KEY) is None


@pytest.mark.parametrize(
    "version_change", [{"code_version": "0.1.0+def"}, {"schema_version": "1.2.0"}, {"meta_sha256": "a" * 64}]
)
def test_version_or_sidecar_change_is_a_miss(tmp_path: Path, version_change: dict) -> None:
    store_cached(tmp_path, KEY, RESULT)
    assert load_cached(tmp_path, replace(KEY, **version_change)) is None
    assert load_cached(tmp_path, KEY) == RESULT


def test_an_entry_of_the_previous_format_is_a_miss_and_removed(tmp_path: Path) -> None:
    path = store_cached(tmp_path, KEY, RESULT)
    head, payload = path.read_bytes().split(b"\n", 1)
    entry = json.loads(head)
    entry["format"] = CACHE_FORMAT - 1  # format 2: before the sidecar's columns (schema 1.2.0)
    path.write_bytes(json.dumps(entry).encode() + b"\n" + payload)
    assert load_cached(tmp_path, KEY) is None and not path.exists()


def _forge(raw: bytes) -> bytes:
    """Change a value and fix the checksum, as a bug in an older writer could have."""
    head, payload = raw.split(b"\n", 1)
    result = json.loads(payload)
    result["n_pages"] = "four"
    payload = json.dumps(result).encode()
    entry = json.loads(head)
    entry["checksum"] = hashlib.sha256(payload).hexdigest()
    return json.dumps(entry).encode() + b"\n" + payload


CORRUPTIONS = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "empty": lambda raw: b"",
    "garbage": lambda raw: b"\xff\xfe not json",
    "flipped_value": lambda raw: raw.replace(b"Project 1", b"Project 7"),
    "wrong_key": lambda raw: raw.replace(b'"code_version": "0.1.0+abc"', b'"code_version": "0.0.0"'),
    "forged_types": _forge,
    "not_an_object": lambda raw: b"[1, 2, 3]",
}


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS))
def test_corrupted_entry_is_deleted_and_missed(tmp_path: Path, corrupt: str) -> None:
    path = store_cached(tmp_path, KEY, RESULT)
    damaged = CORRUPTIONS[corrupt](path.read_bytes())
    assert damaged != path.read_bytes()
    path.write_bytes(damaged)
    assert load_cached(tmp_path, KEY) is None
    assert not path.exists()
    store_cached(tmp_path, KEY, RESULT)
    assert load_cached(tmp_path, KEY) == RESULT


def test_concurrent_writers(tmp_path: Path) -> None:
    results = [replace(RESULT, n_pages=n) for n in range(1, 9)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda r: [store_cached(tmp_path, KEY, r) for _ in range(10)], results))
    assert load_cached(tmp_path, KEY) in results
    assert [p.name for p in tmp_path.iterdir()] == [KEY.file_name]


def test_key_is_validated() -> None:
    with pytest.raises(ValueError):
        CacheKey("abc", "v", "1")
    with pytest.raises(ValueError):
        CacheKey(RESULT.sha256, "", "1")


def test_store_refuses_a_result_of_another_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        store_cached(tmp_path, replace(KEY, sha256="0" * 64), RESULT)


def test_clear_cache_removes_only_entries(tmp_path: Path) -> None:
    store_cached(tmp_path, KEY, RESULT)
    store_cached(tmp_path, replace(KEY, code_version="other"), RESULT)
    (tmp_path / "keep.txt").write_text("mine")
    assert clear_cache(tmp_path) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    assert clear_cache(tmp_path / "absent") == 0


def test_rebind_source() -> None:
    result = replace(RESULT, failures=make_failed("a").failures)
    moved = rebind_source(result, "elsewhere/a.pdf")
    assert (
        moved.source_file == moved.document.source_file == moved.failures[0].source_file == "elsewhere/a.pdf"
    )
    assert moved.applications == result.applications
    assert rebind_source(make_failed("b"), "x.pdf").document is None
