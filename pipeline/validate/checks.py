"""Validate: pandera models derived from the schema, plus domain checks.

A failing row is removed and becomes a Failure(stage=validate, error=<the ValidationCheck it
failed>); the rest of its document is kept. A failing documents row drops its whole document.
The checks: those of the schema (type, not_null, pattern, enum, min, unique), those of the domain
(declared_count comes from pipeline/segment/applications.py), and no_document; see
`pipeline.model.kinds.ValidationCheck`. A row of a side table (application_themes,
application_municipalities) that fails removes its application. An applicant that names no
municipality keeps its row, with empty place columns and a warning (`DocumentResult.warnings`).
Validating twice adds nothing.
Two results with the same doc_id (same content under two paths) both fail `unique`: the caller
is expected to process each content once (discover.split_duplicates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import pandas as pd
import pandera.pandas as pa
import pyarrow

try:
    # what pandera imports when it registers its pandas backends on a first validation (hypothesis
    # among it, when installed: 0.2-0.3 s), imported with the other libraries instead of in a run
    import pandera.backends.pandas.builtin_checks  # noqa: F401
except ImportError:  # another layout of pandera: it is imported on first use as before
    pass

from pipeline.dataset.tabulate import (
    PANDAS_DTYPES,
    build_table,
    result_columns,
    sort_table,
    table_from_columns,
    to_frame,
)
from pipeline.model.kinds import Stage, ValidationCheck
from pipeline.model.records import DocumentResult, Failure
from pipeline.validate.context import ROW_TABLES, ValidationContext
from pipeline.validate.domain import MISSING, Rejection, check_domain, find_place_warnings
from pipeline.validate.type_checks import find_mistyped
from schemas import ColumnSpec, TableSpec


@dataclass(frozen=True)
class Validated:
    """Validated results and their dataset: each record became an Arrow row once, for validation."""

    results: tuple[DocumentResult, ...]  # in the order given, failing rows removed, a failure for each
    tables: dict[str, pyarrow.Table]  # every schema table of these results, sorted by key


def validate_results(
    results: Sequence[DocumentResult], context: ValidationContext
) -> tuple[DocumentResult, ...]:
    """New results, in the same order, with failing rows removed and a failure added for each."""
    return validate_tables(results, context).results


def validate_tables(results: Sequence[DocumentResult], context: ValidationContext) -> Validated:
    """`validate_results`, and the tables of what passed: the rows validation checked, kept as they are."""
    checked = {name: _check_table(results, context.schema.tables[name]) for name in ROW_TABLES}
    rejections = [r for c in checked.values() for r in c.rejections] + check_domain(results, context)
    by_result: dict[int, list[Rejection]] = {}
    seen = set()
    for r in rejections:
        # Duplicate applications also duplicate their theme rows: one report per row is enough.
        mark = (r.result, r.table, r.row, r.check)
        mark += () if r.check == ValidationCheck.UNIQUE else (r.column, repr(r.value))
        if mark not in seen:
            seen.add(mark)
            by_result.setdefault(r.result, []).append(r)
    sha_pattern = _column(context.schema.tables["failures"], "sha256").pattern or ".*"
    new = tuple(_apply(r, by_result.get(i, []), sha_pattern) for i, r in enumerate(results))
    tables = {name: _passed(c, results, new, context.schema.tables[name]) for name, c in checked.items()}
    failures = context.schema.tables["failures"]
    tables["failures"] = table_from_columns(result_columns(new, failures)[0], failures)
    return Validated(results=new, tables={name: tables[name] for name in context.schema.tables})


def build_validation_context(today: dt.date) -> ValidationContext:
    """The checks' view of the reference data (gazetteer and theme vocabulary) for a run on `today`,
    with the validator's one-off set-up done (`validate.prepare_validator`)."""
    from pipeline.extract.gazetteer import find_municipality, is_valid_code, load_gazetteer
    from pipeline.extract.themes import load_vocabulary

    gazetteer = load_gazetteer()

    def province_of(nis_code: str, on: dt.date) -> str | None:
        municipality = find_municipality(gazetteer, nis_code, on)
        return municipality.province if municipality else None

    return prepare_validator(ValidationContext(
        is_valid_code=lambda nis_code, on: is_valid_code(gazetteer, nis_code, on),
        province_of=province_of,
        themes=tuple(load_vocabulary().ids),
        today=today,
    ))


def prepare_validator(context: ValidationContext) -> ValidationContext:
    """`context`, once pandera's one-off set-up is done: on its first validation pandera registers
    its backends, which a run can do while its documents are processed instead of after."""
    spec = context.schema.tables[ROW_TABLES[0]]
    table_model(spec).validate(to_frame(build_table([], spec, sort=False, allow_nulls=True)))
    return context


def table_model(spec: TableSpec) -> pa.DataFrameSchema:
    """The pandera model of a schema table: dtypes, nullability, pattern, enum, min, unique key."""
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(PANDAS_DTYPES[c.type], checks=_column_checks(c), nullable=c.nullable)
            for c in spec.columns
        },
        unique=list(spec.key),
        report_duplicates="all",
        strict=True,
        ordered=True,
        name=spec.name,
    )


def _column_checks(c: ColumnSpec) -> list[pa.Check]:
    checks = []
    if c.pattern is not None:
        checks.append(pa.Check(lambda s, p=c.pattern: s.str.fullmatch(p), name=ValidationCheck.PATTERN))
    if c.enum is not None:
        checks.append(pa.Check(lambda s, v=c.enum: s.isin(v), name=ValidationCheck.ENUM))
    if c.min is not None:
        checks.append(pa.Check(lambda s, m=c.min: s >= m, name=ValidationCheck.MIN))
    return checks


@dataclass(frozen=True)
class _Checked:
    rejections: list[Rejection]
    table: pyarrow.Table | None  # the rows of a valid type, as validated (None: there were none)
    refs: list[tuple[int, str, int]]  # the removable row behind each row of `table`


def _check_table(results: Sequence[DocumentResult], spec: TableSpec) -> _Checked:
    """Type check in Python (so one bad value cannot break the whole table), then pandera."""
    columns, counts = result_columns(results, spec)
    pairs = zip(results, counts, strict=True)
    refs = [ref for i, (result, n) in enumerate(pairs) for ref in _owners(result, spec.name, i, n)]
    if len(refs) != sum(counts):
        raise RuntimeError(f"table {spec.name}: rows and their owners differ in number")
    rejections = []
    mistyped = find_mistyped(columns, spec)
    for k, bad in sorted(mistyped.items()):
        detail = "is not a valid {} value"
        rejections += [
            Rejection(*refs[k], ValidationCheck.TYPE, c.name, _as_row_value(columns[c.name][k]), detail.format(c.type))
            for c in bad
        ]
    if mistyped:
        keep = [k for k in range(len(refs)) if k not in mistyped]
        columns = {name: [values[k] for k in keep] for name, values in columns.items()}
        refs = [refs[k] for k in keep]
    if not refs:
        return _Checked(rejections, None, refs)
    table = table_from_columns(columns, spec, sort=False, allow_nulls=True)
    try:
        table_model(spec).validate(to_frame(table), lazy=True)
    except pa.errors.SchemaErrors as error:
        rejections += _from_failure_cases(error.failure_cases, spec, columns, refs)
    except pa.errors.SchemaError as error:
        rejections += _from_failure_cases(getattr(error, "failure_cases", None), spec, columns, refs)
    return _Checked(rejections, table, refs)


def _passed(
    checked: _Checked, old: Sequence[DocumentResult], new: Sequence[DocumentResult], spec: TableSpec
) -> pyarrow.Table:
    """The checked table's rows whose record is still in the new results, sorted by key."""
    if checked.table is None:
        return table_from_columns({name: [] for name in spec.column_names}, spec)
    kept: dict[tuple[int, str], set[int]] = {}
    for i, (before, after) in enumerate(zip(old, new, strict=True)):
        kept[i, "documents"] = {0} if after.document is not None else set()
        for part in ("sections", "applications"):
            still = {id(record) for record in getattr(after, part)}
            kept[i, part] = {j for j, record in enumerate(getattr(before, part)) if id(record) in still}
    mask = pyarrow.array([j in kept[i, part] for i, part, j in checked.refs], type=pyarrow.bool_())
    return sort_table(checked.table.filter(mask), spec)


def _as_row_value(value: object) -> object:
    if isinstance(value, StrEnum):  # a message shows the repr: 'question', not <SectionKind.QUESTION: ...>
        return value.value
    return list(value) if isinstance(value, tuple) else value  # as a row shows it (and Arrow reads it)


def _from_failure_cases(
    cases: object, spec: TableSpec, columns: dict[str, list[object]], refs: list[tuple[int, str, int]]
) -> list[Rejection]:
    if not isinstance(cases, pd.DataFrame) or "index" not in cases:
        cases = pd.DataFrame({"check": [ValidationCheck.SCHEMA.value], "column": [None], "index": [None]})
    found: dict[tuple, Rejection] = {}
    for case in cases.itertuples(index=False):
        check = _check_name(str(case.check))
        unique = check == ValidationCheck.UNIQUE
        # The document is named in the message already, so a key is shown without doc_id.
        shown_key = tuple(k for k in spec.key if k != "doc_id") or spec.key
        column = ", ".join(shown_key) if unique else str(case.column)
        # A case without a row index concerns the whole column: reject every row.
        positions = range(len(refs)) if pd.isna(case.index) else [int(case.index)]
        detail = _DETAILS.get(check, "fails the schema check {check}")
        detail = detail.format(check=check, spec=_column(spec, column))
        for k in positions:
            if unique:
                key = tuple(_value_at(columns, name, k) for name in shown_key)
                value = key if len(key) > 1 else key[0]
            else:
                value = _value_at(columns, column, k)
            found.setdefault((refs[k], check, column), Rejection(*refs[k], check, column, value, detail))
    return list(found.values())


def _value_at(columns: dict[str, list[object]], name: str, k: int) -> object:
    return _as_row_value(columns[name][k]) if name in columns else None


def _apply(result: DocumentResult, rejections: list[Rejection], sha_pattern: str) -> DocumentResult:
    def valid_sha(value: object) -> str | None:
        return value if isinstance(value, str) and re.fullmatch(sha_pattern, value) else None

    sha = valid_sha(result.sha256)
    # Earlier stages' failures keep their text; a bad hash is blanked so the failures table stays valid.
    old = tuple(replace(f, sha256=valid_sha(f.sha256)) for f in result.failures)
    rejections = sorted(rejections, key=lambda r: (ROW_TABLES.index(r.table), r.row, r.check, r.column))
    if result.document is None and (result.sections or result.applications):
        message = f"{result.source_file} has sections or applications but no document row; none was written."
        note = Failure(result.source_file, sha, Stage.VALIDATE, ValidationCheck.NO_DOCUMENT, message)
        return replace(result, sections=(), applications=(), failures=old + (note,))
    dropped_doc = any(r.table == "documents" for r in rejections)
    new = (Failure(result.source_file, sha, Stage.VALIDATE, r.check, _message(result, r)) for r in rejections)
    new = tuple(dict.fromkeys(f for f in new if f not in old))  # a second pass adds no duplicates
    if dropped_doc:
        return replace(result, document=None, sections=(), applications=(), failures=old + new)
    gone = {(r.table, r.row) for r in rejections}
    kept = replace(
        result,
        sections=tuple(s for j, s in enumerate(result.sections) if ("sections", j) not in gone),
        applications=tuple(a for j, a in enumerate(result.applications) if ("applications", j) not in gone),
        failures=old + new,
    )
    # an applicant that names no municipality keeps its row with empty place columns: a warning, no failure
    said = tuple(w for w in find_place_warnings(kept) if w not in result.warnings)
    return replace(kept, warnings=result.warnings + said) if said else kept


def _message(result: DocumentResult, r: Rejection) -> str:
    doc_id = getattr(result.document, "doc_id", None)
    where = f"Document {doc_id} ({result.source_file})"
    if r.table == "applications":
        number = getattr(result.applications[r.row], "item_number", None)
        where += f", application {number}"
    elif r.table == "sections":
        section = result.sections[r.row]
        where += f", {section.kind} section {section.number}"
    shown = r.value.isoformat() if isinstance(r.value, dt.date) else repr(r.value)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    if r.table == "documents":
        counts = f"{len(result.sections)} sections and {len(result.applications)} applications"
        outcome = f"; the document with its {counts} was not written"
    elif r.check == ValidationCheck.UNIQUE:
        outcome = "; none of the rows with that value was written"  # one failure for all copies
    else:
        outcome = "; that row was not written"
    return f"{where}: column {r.column} value {shown} {r.detail}{outcome}."


_DETAILS = {
    ValidationCheck.NOT_NULL: MISSING,
    ValidationCheck.PATTERN: "does not match the pattern {spec.pattern}",
    ValidationCheck.ENUM: "is not one of {spec.enum}",
    ValidationCheck.MIN: "is below the minimum {spec.min}",
    ValidationCheck.UNIQUE: "occurs more than once",
}
_CHECKS = frozenset(ValidationCheck)


def _check_name(pandera_name: str) -> str:
    """The ValidationCheck of pandera's name for a check; pandera's own name for one parlq does not define."""
    if pandera_name == "not_nullable":
        return ValidationCheck.NOT_NULL
    if pandera_name.endswith("uniqueness"):
        return ValidationCheck.UNIQUE
    name = pandera_name.split("(")[0]
    return ValidationCheck(name) if name in _CHECKS else name


def _owners(result: DocumentResult, table: str, i: int, n_rows: int) -> list[tuple[int, str, int]]:
    """The removable row behind each of the result's rows in `table` (in result_columns order).

    Theme and municipality rows belong to their application: removing the application removes them.
    """
    if table == "application_themes":
        return [(i, "applications", k) for k, a in enumerate(result.applications) for _ in a.theme_terms]
    if table == "application_municipalities":
        return [(i, "applications", k) for k, a in enumerate(result.applications) for _ in a.municipalities]
    return [(i, table, j) for j in range(n_rows)]


def _column(spec: TableSpec, name: str) -> ColumnSpec | None:
    return next((c for c in spec.columns if c.name == name), None)
