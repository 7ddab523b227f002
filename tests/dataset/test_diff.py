"""Diff: added, removed and changed rows between two snapshots, field by field."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.dataset.diff import diff_snapshots, format_diff, resolve_snapshot
from pipeline.dataset.write import publish_snapshot
from pipeline.model.records import ApplicationPlace, DocumentResult, FieldChange
from schemas import load_schema
from tests.builders import make_failed, make_result, source_of

SCHEMA = load_schema()
OLD = (make_result("a", 3), make_result("b", 2))


def publish(results: tuple[DocumentResult, ...], out: Path, code: str = "0.1.0+old") -> Path:
    inputs = [source_of(r) for r in results]
    info = publish_snapshot(
        results, inputs, out, schema=SCHEMA, code_version=code, library_versions={}, engine="pdfplumber"
    )
    return Path(info.path)


def new_results() -> tuple[DocumentResult, ...]:
    a = OLD[0]
    apps = (replace(a.applications[0], budget_eur=123.0, themes=("wonen",)),) + a.applications[1:2]
    a = replace(a, applications=apps, document=replace(a.document, title="Nieuwe titel", application_count=2))
    return (a, make_result("c", 1), make_failed("d"))


@pytest.fixture()
def snapshots(tmp_path: Path) -> tuple[Path, Path]:
    return publish(OLD, tmp_path), publish(new_results(), tmp_path, code="0.1.0+new")


def test_rows_added_removed_changed(snapshots: tuple[Path, Path]) -> None:
    diff = diff_snapshots(*snapshots)
    tables = {t.table: t for t in diff.tables}
    assert list(tables) == list(SCHEMA.tables)
    docs, apps = tables["documents"], tables["applications"]
    a, b, c = OLD[0].document.doc_id, OLD[1].document.doc_id, make_result("c").document.doc_id
    assert [r.key for r in docs.added] == [(c,)] and [r.key for r in docs.removed] == [(b,)]
    (changed_doc,) = docs.changed
    assert changed_doc.changes == (
        FieldChange("title", "Wijkverbeteringscontracten - a", "Nieuwe titel"),
        FieldChange("application_count", 3, 2),
    )
    assert [r.key for r in apps.added] == [(c, 1)]
    assert [r.key for r in apps.removed] == sorted([(a, 3), (b, 1), (b, 2)])
    (changed_app,) = apps.changed
    assert changed_app.key == (a, 1)
    assert changed_app.changes == (
        FieldChange("themes", ["veiligheid", "wonen"], ["wonen"]),
        FieldChange("budget_eur", 100000.0, 123.0),
    )
    assert [r.key[:3] for r in tables["failures"].added] == [("d.pdf", "read", "encrypted")]


def test_format_diff(snapshots: tuple[Path, Path]) -> None:
    text = format_diff(diff_snapshots(*snapshots))
    a = OLD[0].document.doc_id
    assert text.startswith(f"snapshot {snapshots[0].name} -> {snapshots[1].name}\n")
    assert "documents: 1 added, 1 removed, 1 changed" in text
    assert "applications: 1 added, 3 removed, 1 changed" in text
    assert (
        f"  ~ {a} / 1  Antwerpen | Project 1\n"
        "      themes: ['veiligheid', 'wonen'] -> ['wonen']\n"
        "      budget_eur: 100000.0 -> 123.0\n"
        in text
    )
    assert f"  + {make_result('c').document.doc_id}  c.pdf | Wijkverbeteringscontracten - c" in text


def test_a_municipality_added_to_an_applicant_is_a_row_of_its_own(tmp_path: Path) -> None:
    a = OLD[0]
    app = a.applications[0]
    second = ApplicationPlace(2, "Gent", "44021", "Oost-Vlaanderen", "Ledeberg", "GENT")
    joined = replace(app, applicant="BRUGGE EN GENT", municipalities=(*app.municipalities, second))
    new = (replace(a, applications=(joined, *a.applications[1:])), OLD[1])
    diff = diff_snapshots(publish(OLD, tmp_path), publish(new, tmp_path, code="0.1.0+new"))
    tables = {t.table: t for t in diff.tables}
    (added,) = tables["application_municipalities"].added
    assert (added.key, added.label) == ((a.document.doc_id, 1, 2), "Gent")
    (changed,) = tables["applications"].changed
    assert changed.changes == (FieldChange("applicant", "ANTWERPEN", "BRUGGE EN GENT"),)
    assert "application_municipalities: 1 added, 0 removed, 0 changed" in format_diff(diff)


def test_identical_snapshots(tmp_path: Path) -> None:
    folder = publish(OLD, tmp_path)
    diff = diff_snapshots(folder, folder)
    assert all(not (t.added or t.removed or t.changed) for t in diff.tables)
    assert "documents: 0 added, 0 removed, 0 changed" in format_diff(diff)


def test_resolve_snapshot(snapshots: tuple[Path, Path]) -> None:
    old, new = snapshots
    out = old.parent.parent
    assert resolve_snapshot(str(old), None) == old
    assert resolve_snapshot(new.name, out) == new
    assert resolve_snapshot("LATEST", out) == new
    assert resolve_snapshot(old.name[:10], out) == old
    with pytest.raises(FileNotFoundError):
        resolve_snapshot("ffffffff", out)
    with pytest.raises(FileNotFoundError):
        resolve_snapshot(new.name, None)
