"""Type checks: a whole column passes only when every value does; mistyped rows are all found."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.validate.type_checks import COLUMN_CHECKS, TYPE_CHECKS, find_mistyped
from schemas import load_schema

SCHEMA = load_schema()


class Text(str):
    """A str subclass: valid as a string, but not of the exact type the column check expects."""


ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.text(max_size=3).map(Text),
    st.dates(),
    st.datetimes(),
    st.lists(st.text(max_size=2), max_size=2),
    st.tuples(st.text(max_size=2)),
    st.lists(st.one_of(st.integers(), st.none()), min_size=1, max_size=2),
    st.binary(max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(TYPE_CHECKS)), values=st.lists(ANY_VALUE, max_size=6))
def test_a_column_passes_whole_only_when_every_value_passes(kind: str, values: list) -> None:
    if COLUMN_CHECKS[kind](values):
        assert all(TYPE_CHECKS[kind](v) for v in values)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_mistyped_row_is_found_with_its_columns_in_order(data: st.DataObject) -> None:
    spec = SCHEMA.tables[data.draw(st.sampled_from(sorted(SCHEMA.tables)))]
    n = data.draw(st.integers(min_value=0, max_value=5))
    columns = {c.name: data.draw(st.lists(ANY_VALUE, min_size=n, max_size=n)) for c in spec.columns}
    expected = {}
    for k in range(n):
        bad = [c for c in spec.columns if not TYPE_CHECKS[c.type](columns[c.name][k])]
        if bad:
            expected[k] = bad
    assert find_mistyped(columns, spec) == expected


@pytest.mark.parametrize(
    ("kind", "value", "ok"),
    [
        ("int32", 2**31 - 1, True),
        ("int32", 2**31, False),
        ("int32", True, False),
        ("float64", 3, True),
        ("float64", 2**53, True),
        ("float64", 2**53 + 1, False),  # Arrow refuses an int no double holds exactly
        ("float64", 10**400, False),
        ("float64", float("nan"), False),
        ("string", Text("x"), True),
        ("date32", dt.datetime(2021, 10, 1), False),
        ("list<string>", ("a", "b"), True),
        ("list<string>", ["a", None], False),
    ],
)
def test_one_value(kind: str, value: object, ok: bool) -> None:
    assert TYPE_CHECKS[kind](value) is ok
    if COLUMN_CHECKS[kind]([value]):
        assert ok
