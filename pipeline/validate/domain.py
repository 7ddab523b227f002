"""Domain checks: what the schema cannot say about a row (codes and provinces on the question's date,
the theme vocabulary, item numbers, budgets, dates in the future, when the place columns may be empty),
and the warnings validation gives without removing a row."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.model.kinds import ValidationCheck
from pipeline.model.records import DocumentResult
from pipeline.validate.context import ValidationContext

MISSING = "is missing but the column is required"  # the detail of a not_null failure


@dataclass(frozen=True)
class Rejection:
    """A row that fails a check: which result, which removable row, and why."""

    result: int  # index into the results
    table: str  # documents, sections or applications: the row that is removed
    row: int  # index within that part of the result
    check: str  # a ValidationCheck, or pandera's name of a check parlq does not define
    column: str
    value: object
    detail: str  # what is wrong, ending the failure sentence


def check_domain(results: Sequence[DocumentResult], context: ValidationContext) -> list[Rejection]:
    """The rows that fail a domain check: NIS code and province on the question date, themes, numbers, budget."""
    nis = next(c for c in context.schema.tables["applications"].columns if c.name == "nis_code")
    nis_pattern = nis.pattern or ".*"
    out = []
    for i, result in enumerate(results):
        doc = result.document
        if doc is None:
            continue
        date = doc.question_date if type(doc.question_date) is dt.date else None
        if date is not None and date > context.today:
            detail = f"is after today ({context.today})"
            out.append(Rejection(i, "documents", 0, ValidationCheck.QUESTION_DATE_NOT_FUTURE, "question_date", date,
                                  detail))
        # N of "1..N" is the count the parser found, so removing rows here never shifts it.
        n = doc.application_count if isinstance(doc.application_count, int) else len(result.applications)
        # declared vs found counts are checked per list by the segmenter (a declared "6 geselecteerd"
        # counts the table, not the rejected list after it); its failures arrive with the result
        for j, app in enumerate(result.applications):
            findings = _check_application(app, n, date, result.max_budget_eur, nis_pattern, context)
            out += [Rejection(i, "applications", j, *finding) for finding in findings]
    return out


def find_place_warnings(result: DocumentResult) -> tuple[str, ...]:
    """A sentence for each application whose applicant names no municipality (an OCMW without a place, a
    vzw, a province): its place columns stay empty rather than guessed, and a person should know."""
    doc_id = getattr(result.document, "doc_id", None)
    return tuple(
        f"document {doc_id}, application {app.item_number}: the applicant {app.applicant!r} names no municipality;"
        " its municipality, nis_code and province are left empty"
        for app in result.applications
        if app.municipality is None and _names_no_municipality(app)
    )


def _names_no_municipality(app: object) -> bool:
    """An applicant is written and names no municipality: the one case the place columns may be null."""
    places, applicant = app.municipalities, app.applicant
    return isinstance(applicant, str) and bool(applicant.strip()) and isinstance(places, tuple | list) and not places


def _check_application(app: object, n: int, date: dt.date | None, max_budget: float | None, nis_pattern: str,
                       context: ValidationContext) -> list[tuple[str, str, object, str]]:
    """(check, column, value, detail) for each domain check the application fails."""
    found = []
    if not _names_no_municipality(app):  # else a missing municipality is a warning (find_place_warnings)
        found += [(ValidationCheck.NOT_NULL, column, None, MISSING)
                  for column in ("municipality", "nis_code") if getattr(app, column) is None]  # fmt: skip
    places = app.municipalities if isinstance(app.municipalities, tuple | list) else ()
    # the lead's code and province, then those of every other municipality the applicant names
    codes = [(app.nis_code, app.province), *((getattr(p, "nis_code", None), getattr(p, "province", None))
                                              for p in places)]  # fmt: skip
    for nis, province in [pair for k, pair in enumerate(codes) if pair not in codes[:k]]:
        if not (isinstance(nis, str) and re.fullmatch(nis_pattern, nis) and date is not None):
            continue
        if not context.is_valid_code(nis, date):
            detail = f"is not a municipality code on the question date {date}"
            found.append((ValidationCheck.NIS_CODE_KNOWN, "nis_code", nis, detail))
        elif (expected := context.province_of(nis, date)) != province:
            detail = f"is not {expected!r}, the province of NIS code {nis} on {date}"
            found.append((ValidationCheck.PROVINCE_CONSISTENT, "province", province, detail))
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
