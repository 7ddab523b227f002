"""Type checks of values against the schema's column types, one value or a whole column at once.

Validation runs them before pandera, so that one value Arrow cannot convert rejects its row
instead of breaking the whole table.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from enum import StrEnum
from itertools import chain

from schemas import ColumnSpec, TableSpec

_INT32 = (-(2**31), 2**31 - 1)
_EXACT_INT = 2**53  # the largest int every double up to it holds exactly


def find_mistyped(columns: dict[str, list[object]], spec: TableSpec) -> dict[int, list[ColumnSpec]]:
    """The rows with a value of the wrong type, and their columns in schema order.

    A column is first checked whole by the types of its values; only one that fails that is
    looked at value by value (the per-row checks decide)."""
    bad: dict[int, list[ColumnSpec]] = {}
    for c in spec.columns:
        values = columns[c.name]
        if COLUMN_CHECKS[c.type](values):
            continue
        has_type = TYPE_CHECKS[c.type]
        for k, value in enumerate(values):
            if not has_type(value):
                bad.setdefault(k, []).append(c)
    return bad


def _is_string(value: object) -> bool:
    return value is None or isinstance(value, str)  # None: nullability is the model's check


def _is_int32(value: object) -> bool:
    return value is None or (
        isinstance(value, int) and not isinstance(value, bool) and _INT32[0] <= value <= _INT32[1]
    )


def _is_float64(value: object) -> bool:  # NaN and infinity are not amounts
    if isinstance(value, float):
        return math.isfinite(value)
    # Arrow converts an int to a double only where the double holds it exactly
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _EXACT_INT)


def _is_date32(value: object) -> bool:
    return value is None or type(value) is dt.date


def _is_string_list(value: object) -> bool:
    return value is None or (isinstance(value, list | tuple) and all(isinstance(v, str) for v in value))


_NONE = type(None)


def _all_strings(values: list[object]) -> bool:
    # a StrEnum member (Status.ACCEPTED) is a str that Arrow writes as its value
    return all(kind in (str, _NONE) or issubclass(kind, StrEnum) for kind in set(map(type, values)))


def _all_int32(values: list[object]) -> bool:
    if not set(map(type, values)) <= {int, _NONE}:
        return False
    numbers = [v for v in values if v is not None]
    return not numbers or (_INT32[0] <= min(numbers) and max(numbers) <= _INT32[1])


def _all_float64(values: list[object]) -> bool:
    return set(map(type, values)) <= {float, _NONE} and all(map(math.isfinite, filter(_is_not_none, values)))


def _all_dates(values: list[object]) -> bool:
    return set(map(type, values)) <= {dt.date, _NONE}


def _all_string_lists(values: list[object]) -> bool:
    if not set(map(type, values)) <= {list, tuple, _NONE}:
        return False
    return set(map(type, chain.from_iterable(filter(_is_not_none, values)))) <= {str}


def _is_not_none(value: object) -> bool:
    return value is not None


# Whole columns whose values' exact types alone show them valid; a column that fails this is
# checked value by value (str subclasses other than StrEnums, bools, ints in a float column and
# numbers out of range end up there).
COLUMN_CHECKS: dict[str, Callable[[list[object]], bool]] = {
    "string": _all_strings,
    "int32": _all_int32,
    "float64": _all_float64,
    "date32": _all_dates,
    "list<string>": _all_string_lists,
}

# One predicate per schema type, looked up once per column rather than per value.
TYPE_CHECKS: dict[str, Callable[[object], bool]] = {
    "string": _is_string,
    "int32": _is_int32,
    "float64": _is_float64,
    "date32": _is_date32,
    "list<string>": _is_string_list,
}
