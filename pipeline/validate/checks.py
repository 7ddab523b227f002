"""Validate: pandera models derived from the schema, plus domain checks.

A failing row is removed and becomes a Failure(stage=validate, error=<the ValidationCheck it
failed>); the rest of its document is kept. A failing documents row drops its whole document.
The checks: those of the schema (type, not_null, pattern, enum, min, unique), those of the domain
(declared_count comes from pipeline/segment/applications.py), and no_document; see
`pipeline.model.kinds.ValidationCheck`. Validating twice adds nothing.
Two results with the same doc_id (same content under two paths) both fail `unique`: the caller
is expected to process each content once (discover.split_duplicates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import pandas as pd
import pandera.pandas as pa

try:
    # what pandera imports when it registers its pandas backends on a first validation (hypothesis
    # among it, when installed: 0.2-0.3 s), imported with the other libraries instead of in a run
    import pandera.backends.pandas.builtin_checks  # noqa: F401
except ImportError:  # another layout of pandera: it is imported on first use as before
    pass

from pipeline.model.kinds import Stage, ValidationCheck
from pipeline.model.records import DocumentResult, Failure
from pipeline.dataset.tabulate import PANDAS_DTYPES, build_table, result_columns, table_from_columns, to_frame
from pipeline.validate.type_checks import find_mistyped
from schemas import ColumnSpec, DatasetSchema, TableSpec, load_schema

# Tables whose rows are validated; application_themes rows belong to their application.
ROW_TABLES = ("documents", "sections", "applications", "application_themes")


@dataclass(frozen=True)
class ValidationContext:
    """Everything the checks depend on besides the results: no clock or file reads inside checks."""

    is_valid_code: Callable[[str, dt.date], bool]  # NIS code exists on that date
    province_of: Callable[[str, dt.date], str | None]  # its province then (None: Brussels)
    themes: tuple[str, ...]  # the theme vocabulary ids
    today: dt.date
    schema: DatasetSchema = field(default_factory=load_schema)

    def __post_init__(self) -> None:
        if not callable(self.is_valid_code) or not callable(self.province_of):
            raise TypeError("is_valid_code and province_of must be callables")
        if not self.themes or len(set(self.themes)) != len(self.themes):
            raise ValueError("themes must be a non-empty tuple of distinct ids")
        if type(self.today) is not dt.date:
            raise TypeError("today must be a datetime.date")
        missing = set(ROW_TABLES) - set(self.schema.tables)
        if missing:
            raise ValueError(f"schema lacks tables {sorted(missing)}")


def validate_results(
    results: Sequence[DocumentResult], context: ValidationContext
) -> tuple[DocumentResult, ...]:
    """New results, in the same order, with failing rows removed and a failure added for each."""
    rejections = [r for name in ROW_TABLES for r in _check_table(results, context.schema.tables[name])]
    rejections += _check_domain(results, context)
    by_result: dict[int, list[_Rejection]] = {}
    seen = set()
    for r in rejections:
        # Duplicate applications also duplicate their theme rows: one report per row is enough.
        mark = (r.result, r.table, r.row, r.check)
        mark += () if r.check == ValidationCheck.UNIQUE else (r.column, repr(r.value))
        if mark not in seen:
            seen.add(mark)
            by_result.setdefault(r.result, []).append(r)
    sha_pattern = _column(context.schema.tables["failures"], "sha256").pattern or ".*"
    return tuple(_apply(r, by_result.get(i, []), sha_pattern) for i, r in enumerate(results))


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


@dataclass(frozen=True)
class _Rejection:
    result: int  # index into the results
    table: str  # documents, sections or applications: the row that is removed
    row: int  # index within that part of the result
    check: str  # a ValidationCheck, or pandera's name of a check parlq does not define
    column: str
    value: object
    detail: str  # what is wrong, ending the failure sentence


def _column_checks(c: ColumnSpec) -> list[pa.Check]:
    checks = []
    if c.pattern is not None:
        checks.append(pa.Check(lambda s, p=c.pattern: s.str.fullmatch(p), name=ValidationCheck.PATTERN))
    if c.enum is not None:
        checks.append(pa.Check(lambda s, v=c.enum: s.isin(v), name=ValidationCheck.ENUM))
    if c.min is not None:
        checks.append(pa.Check(lambda s, m=c.min: s >= m, name=ValidationCheck.MIN))
    return checks


def _check_table(results: Sequence[DocumentResult], spec: TableSpec) -> list[_Rejection]:
    """Type check in Python (so one bad value cannot break the whole table), then pandera."""
    columns, counts = result_columns(results, spec)
    refs = [ref for i, (result, n) in enumerate(zip(results, counts)) for ref in _owners(result, spec.name, i, n)]
    if len(refs) != sum(counts):
        raise RuntimeError(f"table {spec.name}: rows and their owners differ in number")
    rejections = []
    mistyped = find_mistyped(columns, spec)
    for k, bad in sorted(mistyped.items()):
        detail = "is not a valid {} value"
        rejections += [
            _Rejection(*refs[k], ValidationCheck.TYPE, c.name, _as_row_value(columns[c.name][k]), detail.format(c.type))
            for c in bad
        ]
    if mistyped:
        keep = [k for k in range(len(refs)) if k not in mistyped]
        columns = {name: [values[k] for k in keep] for name, values in columns.items()}
        refs = [refs[k] for k in keep]
    if not refs:
        return rejections
    frame = to_frame(table_from_columns(columns, spec, sort=False, allow_nulls=True))
    try:
        table_model(spec).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as error:
        rejections += _from_failure_cases(error.failure_cases, spec, columns, refs)
    except pa.errors.SchemaError as error:
        rejections += _from_failure_cases(getattr(error, "failure_cases", None), spec, columns, refs)
    return rejections


def _as_row_value(value: object) -> object:
    if isinstance(value, StrEnum):  # a message shows the repr: 'question', not <SectionKind.QUESTION: ...>
        return value.value
    return list(value) if isinstance(value, tuple) else value  # as a row shows it (and Arrow reads it)


def _from_failure_cases(
    cases: object, spec: TableSpec, columns: dict[str, list[object]], refs: list[tuple[int, str, int]]
) -> list[_Rejection]:
    if not isinstance(cases, pd.DataFrame) or "index" not in cases:
        cases = pd.DataFrame({"check": [ValidationCheck.SCHEMA.value], "column": [None], "index": [None]})
    found: dict[tuple, _Rejection] = {}
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
            found.setdefault((refs[k], check, column), _Rejection(*refs[k], check, column, value, detail))
    return list(found.values())


def _value_at(columns: dict[str, list[object]], name: str, k: int) -> object:
    return _as_row_value(columns[name][k]) if name in columns else None


def _check_domain(results: Sequence[DocumentResult], context: ValidationContext) -> list[_Rejection]:
    nis_pattern = _column(context.schema.tables["applications"], "nis_code").pattern or ".*"
    out = []
    for i, result in enumerate(results):
        doc = result.document
        if doc is None:
            continue
        date = doc.question_date if type(doc.question_date) is dt.date else None
        if date is not None and date > context.today:
            detail = f"is after today ({context.today})"
            out.append(_Rejection(i, "documents", 0, ValidationCheck.QUESTION_DATE_NOT_FUTURE, "question_date", date,
                                  detail))
        # N of "1..N" is the count the parser found, so removing rows here never shifts it.
        n = doc.application_count if isinstance(doc.application_count, int) else len(result.applications)
        # declared vs found counts are checked per list by the segmenter (a declared "6 geselecteerd"
        # counts the table, not the rejected list after it); its failures arrive with the result
        for j, app in enumerate(result.applications):
            findings = _check_application(app, n, date, result.max_budget_eur, nis_pattern, context)
            out += [_Rejection(i, "applications", j, *finding) for finding in findings]
    return out


def _check_application(app: object, n: int, date: dt.date | None, max_budget: float | None, nis_pattern: str,
                       context: ValidationContext) -> list[tuple[str, str, object, str]]:
    """(check, column, value, detail) for each domain check the application fails."""
    found = []
    nis = app.nis_code
    if isinstance(nis, str) and re.fullmatch(nis_pattern, nis) and date is not None:
        if not context.is_valid_code(nis, date):
            detail = f"is not a municipality code on the question date {date}"
            found.append((ValidationCheck.NIS_CODE_KNOWN, "nis_code", nis, detail))
        elif (expected := context.province_of(nis, date)) != app.province:
            detail = f"is not {expected!r}, the province of NIS code {nis} on {date}"
            found.append((ValidationCheck.PROVINCE_CONSISTENT, "province", app.province, detail))
    terms = tuple(m.theme for m in app.theme_terms) if isinstance(app.theme_terms, tuple) else ()
    for column, themes in (("themes", app.themes), ("theme_terms", terms)):
        if isinstance(themes, tuple | list):
            detail = "is not a theme id of the vocabulary"
            found += [(ValidationCheck.THEME_VOCABULARY, column, t, detail) for t in themes if t not in context.themes]
    number = app.item_number
    if isinstance(number, int) and number > n:
        detail = f"is above the {n} applications of the document (numbers must run 1..{n})"
        found.append((ValidationCheck.ITEM_NUMBER_RANGE, "item_number", number, detail))
    budget = app.budget_eur
    if isinstance(budget, int | float) and max_budget is not None and budget > max_budget:
        detail = f"is above the stated maximum of {max_budget} euro per project"
        found.append((ValidationCheck.BUDGET_MAX, "budget_eur", budget, detail))
    return found


def _apply(result: DocumentResult, rejections: list[_Rejection], sha_pattern: str) -> DocumentResult:
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
    return replace(
        result,
        sections=tuple(s for j, s in enumerate(result.sections) if ("sections", j) not in gone),
        applications=tuple(a for j, a in enumerate(result.applications) if ("applications", j) not in gone),
        failures=old + new,
    )


def _message(result: DocumentResult, r: _Rejection) -> str:
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
    ValidationCheck.NOT_NULL: "is missing but the column is required",
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

    Theme rows belong to their application: removing the application removes them.
    """
    if table == "application_themes":
        return [(i, "applications", k) for k, a in enumerate(result.applications) for _ in a.theme_terms]
    return [(i, table, j) for j in range(n_rows)]


def _column(spec: TableSpec, name: str) -> ColumnSpec | None:
    return next((c for c in spec.columns if c.name == name), None)
