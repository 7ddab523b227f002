"""Tabulate: per-document results into one Arrow table per schema table, in a fixed row order.

Columns are never listed here: each table's columns come from the schema and are read by name
from the record objects that feed that table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from functools import cache, partial
from itertools import groupby
from operator import attrgetter

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.model.records import Application, DocumentResult
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


@dataclass(frozen=True)
class HeadingColumns:
    """An application's heading line (`Application.heading_box`) under the applications table's column names."""

    heading_page: int | None = None
    heading_x0: float | None = None
    heading_top: float | None = None
    heading_x1: float | None = None
    heading_bottom: float | None = None


_NO_HEADING = HeadingColumns()


def heading_columns(app: Application) -> HeadingColumns:
    """The heading columns of an application (all None when no heading line is known, e.g. a table row)."""
    box = app.heading_box
    return _NO_HEADING if box is None else HeadingColumns(box.page, box.x0, box.top, box.x1, box.bottom)


# For each table: the records one result contributes, each as the objects its columns are read
# from (first object that has the attribute wins), so a side table like application_themes can
# take `theme` and `terms` from a ThemeMatch and `doc_id`, `item_number` from its Application, and
# application_municipalities its place columns from an ApplicationPlace before its Application's.
_SOURCES: dict[str, Callable[[DocumentResult], Iterable[tuple[object, ...]]]] = {
    "documents": lambda r: [(r.document,)] if r.document is not None else [],
    "sections": lambda r: [(s,) for s in r.sections],
    "applications": lambda r: [(a, heading_columns(a)) for a in r.applications],
    "application_themes": lambda r: [(m, a) for a in r.applications for m in a.theme_terms],
    "application_municipalities": lambda r: [(p, a) for a in r.applications for p in a.municipalities],
    "failures": lambda r: [(f,) for f in r.failures],
}


def tabulate_results(results: Sequence[DocumentResult], schema: DatasetSchema) -> dict[str, pa.Table]:
    """One Arrow table per schema table, with the schema's Arrow types and rows sorted by key.

    The output does not depend on the order of `results`.
    """
    return {name: table_from_columns(result_columns(results, spec)[0], spec) for name, spec in schema.tables.items()}


def merge_tables(
    tables: Mapping[str, pa.Table], carried: Mapping[str, pa.Table], schema: DatasetSchema
) -> dict[str, pa.Table]:
    """Each table with the carried rows added, in the order `tabulate_results` gives all of them."""
    merged = {}
    for name, spec in schema.tables.items():
        both = pa.concat_tables([carried[name], tables[name]]) if name in carried else tables[name]
        merged[name] = sort_table(both, spec)
    return merged


def result_columns(results: Sequence[DocumentResult], spec: TableSpec) -> tuple[dict[str, list[object]], list[int]]:
    """The rows the results contribute to a table, column by column (in schema column order),
    and how many rows each result gave. Tuple values stay tuples: Arrow takes them as lists."""
    try:
        source = _SOURCES[spec.name]
    except KeyError:
        raise ValueError(f"table {spec.name!r} of the schema has no row source in tabulate") from None
    readers: dict[tuple[type, ...], Callable[[tuple[object, ...]], tuple[object, ...]]] = {}
    values: list[tuple[object, ...]] = []
    counts = []
    for result in results:
        records = source(result)
        counts.append(len(records))
        for objects in records:
            kinds = tuple(map(type, objects))
            read = readers.get(kinds) or readers.setdefault(kinds, _value_reader(spec, kinds))
            values.append(read(objects))
    columns = zip(*values, strict=True) if values else [()] * len(spec.column_names)
    return {name: list(column) for name, column in zip(spec.column_names, columns, strict=True)}, counts


def build_table(
    rows: Sequence[Mapping[str, object]], spec: TableSpec, *, sort: bool = True, allow_nulls: bool = False
) -> pa.Table:
    """An Arrow table with the table's explicit schema; sorted by key (then all columns) if `sort`.

    Raises ValueError for a value Arrow cannot convert to the column type, and, unless
    `allow_nulls` (validation wants to see them), for a null in a non-nullable column (Arrow
    itself would accept it).
    """
    columns = {name: [row[name] for row in rows] for name in spec.column_names}
    return table_from_columns(columns, spec, sort=sort, allow_nulls=allow_nulls)


def table_from_columns(
    columns: Mapping[str, list[object]], spec: TableSpec, *, sort: bool = True, allow_nulls: bool = False
) -> pa.Table:
    """`build_table` of rows given column by column (as `result_columns` gives them)."""
    for column in spec.columns:
        if not allow_nulls and not column.nullable and None in columns[column.name]:
            raise ValueError(f"table {spec.name}: column {column.name} is not nullable but has a null")
    try:
        table = pa.Table.from_pydict({name: columns[name] for name in spec.column_names}, schema=arrow_schema(spec))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise ValueError(f"table {spec.name}: {error}") from error
    return sort_table(table, spec) if sort else table


def to_frame(table: pa.Table) -> pd.DataFrame:
    """A pandas DataFrame of a tabulated table with the dtypes of PANDAS_DTYPES (for validation)."""
    return table.to_pandas(types_mapper=_ARROW_TO_PANDAS.get)


@cache
def _value_reader(spec: TableSpec, kinds: tuple[type, ...]) -> Callable[[tuple[object, ...]], tuple[object, ...]]:
    """How a row's values (in column order) are read from objects of these types: each column
    from the first type that has it.

    Built once per table and types: finding the holder of each column per row was the cost of
    tabulating.
    """
    holders = []
    for name in spec.column_names:
        index = next((i for i, kind in enumerate(kinds) if name in _attributes(kind)), None)
        if index is None:
            shown = ", ".join(kind.__name__ for kind in kinds)
            raise ValueError(f"table {spec.name}: column {name} is not a field of {shown}")
        holders.append((name, index))

    names = [name for name, _ in holders]
    groups: dict[int, list[str]] = {}  # the columns each object holds
    for name, index in holders:
        groups.setdefault(index, []).append(name)
    if len(groups) == 1:
        (index, _), = groups.items()
        getter = attrgetter(*names)
        if len(names) == 1:
            return lambda objects: (getter(objects[index]),)
        return lambda objects: getter(objects[index])

    # one attrgetter call per object; its values picked in column order
    order = [name for index in sorted(groups) for name in groups[index]]
    picks = [order.index(name) for name in names]
    calls = [(index, attrgetter(*group) if len(group) > 1 else _as_tuple(attrgetter(*group)))
             for index, group in sorted(groups.items())]

    def read(objects: tuple[object, ...]) -> tuple[object, ...]:
        values = [value for index, call in calls for value in call(objects[index])]
        return tuple(map(values.__getitem__, picks))

    return read


def _as_tuple(getter: attrgetter) -> Callable[[object], tuple[object, ...]]:
    return lambda obj: (getter(obj),)


def _attributes(kind: type) -> frozenset[str]:
    names = {f.name for f in fields(kind)} if is_dataclass(kind) else set()
    return frozenset(names | set(dir(kind)))


def sort_table(table: pa.Table, spec: TableSpec) -> pa.Table:
    """The table's rows by key, then by every column where keys are equal (the order of _sorted_rows).

    Arrow sorts when the key columns are free of nulls and duplicates, which validated tables
    are; it orders strings by their UTF-8 bytes, which is Python's code-point order.
    """
    keys = list(spec.key)
    if any(table.column(k).null_count for k in keys) or table.group_by(keys).aggregate([]).num_rows < table.num_rows:
        rows = _sorted_rows(table.to_pylist(), spec)
        columns = {name: [row[name] for row in rows] for name in spec.column_names}
        return pa.Table.from_pydict(columns, schema=arrow_schema(spec))
    return table.take(pc.sort_indices(table, sort_keys=[(k, "ascending") for k in keys])).combine_chunks()


def _sorted_rows(rows: Sequence[Row], spec: TableSpec) -> list[Row]:
    """Rows by key; rows with equal keys (only in tables not validated yet) by all their columns.

    The same order as sorting by key and then every column, without building the long sort key
    of every row.
    """
    by_key = sorted(rows, key=partial(_order_key, spec.key))
    ordered: list[Row] = []
    for _, group in groupby(by_key, key=partial(_order_key, spec.key)):
        same = list(group)
        ordered += same if len(same) == 1 else sorted(same, key=partial(_order_key, spec.key + spec.column_names))
    return ordered


def _order_key(names: tuple[str, ...], row: Mapping[str, object]) -> tuple[object, ...]:
    # Key first (the documented order), then every column so equal keys still sort the same way.
    return tuple(_sortable(row[name]) for name in names)


def _sortable(value: object) -> tuple[object, ...]:
    if value is None:
        return (0,)
    if isinstance(value, list | tuple):
        return (1, tuple(value))
    return (1, value)
