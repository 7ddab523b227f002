"""Tabulate: per-document results into one Arrow table per schema table, in a fixed row order.

Columns are never listed here: each table's columns come from the schema and are read by name
from the record objects that feed that table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial

import pandas as pd
import pyarrow as pa

from pipeline.records import DocumentResult
from schemas import DatasetSchema, TableSpec, arrow_schema, arrow_type

Row = dict[str, object]

# The pandas dtype each schema type is validated with: nullable extension types, so an int32
# column with a null stays an integer column instead of turning into float64.
PANDAS_DTYPES: dict[str, object] = {
    "string": pd.StringDtype(),
    "int32": pd.Int32Dtype(),
    "float64": pd.Float64Dtype(),
    "date32": object,  # datetime.date objects
    "list<string>": object,  # arrays of str
}

_ARROW_TO_PANDAS = {
    arrow_type(name): dtype for name, dtype in PANDAS_DTYPES.items() if dtype is not object
}

# For each table: the records one result contributes, each as the objects its columns are read
# from (first object that has the attribute wins), so a side table like application_themes can
# take `theme` and `terms` from a ThemeMatch and `doc_id`, `item_number` from its Application.
_SOURCES: dict[str, Callable[[DocumentResult], Iterable[tuple[object, ...]]]] = {
    "documents": lambda r: [(r.document,)] if r.document is not None else [],
    "sections": lambda r: [(s,) for s in r.sections],
    "applications": lambda r: [(a,) for a in r.applications],
    "application_themes": lambda r: [(m, a) for a in r.applications for m in a.theme_terms],
    "failures": lambda r: [(f,) for f in r.failures],
}


def tabulate_results(results: Sequence[DocumentResult], schema: DatasetSchema) -> dict[str, pa.Table]:
    """One Arrow table per schema table, with the schema's Arrow types and rows sorted by key.

    The output does not depend on the order of `results`.
    """
    return {
        name: build_table([row for r in results for row in result_rows(r, spec)], spec)
        for name, spec in schema.tables.items()
    }


def result_rows(result: DocumentResult, spec: TableSpec) -> list[Row]:
    """The rows one result contributes to a table, as {column: value} in schema column order."""
    try:
        source = _SOURCES[spec.name]
    except KeyError:
        raise ValueError(f"table {spec.name!r} of the schema has no row source in tabulate") from None
    return [_read_row(spec, objects) for objects in source(result)]


def build_table(
    rows: Sequence[Mapping[str, object]], spec: TableSpec, *, sort: bool = True, allow_nulls: bool = False
) -> pa.Table:
    """An Arrow table with the table's explicit schema; sorted by key (then all columns) if `sort`.

    Raises ValueError for a value Arrow cannot convert to the column type, and, unless
    `allow_nulls` (validation wants to see them), for a null in a non-nullable column (Arrow
    itself would accept it).
    """
    for column in spec.columns:
        if not allow_nulls and not column.nullable and any(row[column.name] is None for row in rows):
            raise ValueError(f"table {spec.name}: column {column.name} is not nullable but has a null")
    if sort:
        rows = sorted(rows, key=partial(_order_key, spec))
    try:
        return pa.Table.from_pylist([dict(row) for row in rows], schema=arrow_schema(spec))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise ValueError(f"table {spec.name}: {error}") from error


def to_frame(table: pa.Table) -> pd.DataFrame:
    """A pandas DataFrame of a tabulated table with the dtypes of PANDAS_DTYPES (for validation)."""
    return table.to_pandas(types_mapper=_ARROW_TO_PANDAS.get)


def _read_row(spec: TableSpec, objects: tuple[object, ...]) -> Row:
    row: Row = {}
    for name in spec.column_names:
        holder = next((o for o in objects if hasattr(o, name)), None)
        if holder is None:
            kinds = ", ".join(type(o).__name__ for o in objects)
            raise ValueError(f"table {spec.name}: column {name} is not a field of {kinds}")
        value = getattr(holder, name)
        row[name] = list(value) if isinstance(value, tuple) else value
    return row


def _order_key(spec: TableSpec, row: Mapping[str, object]) -> tuple[object, ...]:
    # Key first (the documented order), then every column so equal keys still sort the same way.
    names = spec.key + spec.column_names
    return tuple(_sortable(row[name]) for name in names)


def _sortable(value: object) -> tuple[object, ...]:
    if value is None:
        return (0,)
    if isinstance(value, list | tuple):
        return (1, tuple(value))
    return (1, value)
