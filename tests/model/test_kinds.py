"""The str-valued enums: the schema's enums list the same values, and a member is its string everywhere."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.dataset.cache import CacheKey, load_cached, store_cached
from pipeline.dataset.tabulate import tabulate_results
from pipeline.model.kinds import DocType, FailureKind, ListRule, SectionKind, Stage, Status, ValidationCheck
from pipeline.model.records import DocumentResult
from pipeline.validate.checks import ValidationContext, validate_results
from schemas import SCHEMA_FILE, load_schema
from tests.builders import THEMES, TODAY, is_valid_code, make_failed, make_result, province_of

SCHEMA_ENUMS = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["enums"]
CLASSES: dict[str, type[StrEnum]] = {
    "stage": Stage,
    "section_kind": SectionKind,
    "status": Status,
    "doc_type": DocType,
    "list_rule": ListRule,
}


@pytest.mark.parametrize(("name", "kind"), sorted(CLASSES.items()), ids=sorted(CLASSES))
def test_schema_enum_equals_its_class(name: str, kind: type[StrEnum]) -> None:
    assert set(SCHEMA_ENUMS[name]) == {member.value for member in kind}


def test_every_schema_enum_has_a_class() -> None:
    assert set(SCHEMA_ENUMS) == set(CLASSES)
    columns = {c.enum for spec in load_schema().tables.values() for c in spec.columns if c.enum}
    assert columns == {tuple(SCHEMA_ENUMS[name]) for name in CLASSES}


def test_failure_kinds_and_validation_checks_never_share_a_value() -> None:
    # both end up in the failures table's `error`: one value must mean one thing
    assert not {k.value for k in FailureKind} & {c.value for c in ValidationCheck}


def _with_members(result: DocumentResult) -> DocumentResult:
    """The result with enum members where the builders put plain strings."""
    document = replace(result.document, doc_type=DocType(result.document.doc_type)) if result.document else None
    return replace(
        result,
        document=document,
        sections=tuple(replace(s, kind=SectionKind(s.kind)) for s in result.sections),
        applications=tuple(replace(a, status=Status(a.status)) for a in result.applications),
        failures=tuple(replace(f, stage=Stage(f.stage), error=FailureKind(f.error)) for f in result.failures),
    )


PLAIN = (make_result("a", 3), make_result("b", 1), make_failed("c"))
MEMBERS = tuple(_with_members(r) for r in PLAIN)


def test_members_compare_equal_to_their_strings() -> None:
    assert MEMBERS == PLAIN
    assert type(MEMBERS[0].sections[0].kind) is SectionKind and type(PLAIN[0].sections[0].kind) is str


@pytest.mark.parametrize("result", [*PLAIN, *MEMBERS])
def test_cache_round_trip_gives_members(tmp_path: Path, result: DocumentResult) -> None:
    key = CacheKey(result.sha256, "v", "1")
    store_cached(tmp_path, key, result)
    loaded = load_cached(tmp_path, key)
    assert loaded == result
    if loaded.document is not None:
        assert type(loaded.document.doc_type) is DocType
        assert {type(s.kind) for s in loaded.sections} == {SectionKind}
        assert {type(a.status) for a in loaded.applications} == {Status}
    assert {type(f.stage) for f in loaded.failures} <= {Stage}


def _parquet(table: object) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def test_members_write_the_same_parquet_bytes_as_strings() -> None:
    schema = load_schema()
    plain, members = tabulate_results(PLAIN, schema), tabulate_results(MEMBERS, schema)
    for name in schema.tables:
        assert members[name].schema.equals(plain[name].schema)
        assert _parquet(members[name]) == _parquet(plain[name]), name


def test_validation_reports_members_as_their_strings() -> None:
    context = ValidationContext(is_valid_code=is_valid_code, province_of=province_of, themes=THEMES, today=TODAY)
    twice = replace(PLAIN[0], sections=PLAIN[0].sections * 2)  # every section key occurs twice
    plain, members = validate_results([twice], context), validate_results([_with_members(twice)], context)
    messages = [f.message for f in members[0].failures]
    assert messages == [f.message for f in plain[0].failures] and messages
    assert all("SectionKind" not in m for m in messages)
    assert {f.error for f in members[0].failures} == {ValidationCheck.UNIQUE}
