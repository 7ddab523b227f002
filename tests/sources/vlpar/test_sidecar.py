"""A sidecar read back for `parlq run`: every field checked; bad input gives nulls and a warning, never a crash."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.model.records import SourceMeta
from pipeline.sources.vlpar.sidecar import load_sidecar, meta_digest, read_sidecar

URL = "http://127.0.0.1:8000/pfile?id=1750123"


def sidecar(**detail: object) -> dict[str, object]:
    """A sidecar as `parlq fetch` writes it, with `detail` changed."""
    record = {
        "id": 1593746,
        "zittingsjaar": "2021-2022",
        "thema": ["Binnenlands Bestuur", "Wonen"],
        "vraagnummer": 12,
        "vraagsteller": {"id": 1, "naam": "Janssens", "voornaam": "Chris"},
        "minister": {"id": 2, "naam": "Somers", "voornaam": "Bart"},
        "procedureverloop": [
            {"status": "Vraag gesteld aan de minister", "datum": "2021-10-01T00:00:00"},
            {"status": "Tijdig beantwoord", "datum": "2021-10-28T00:00:00"},
        ],
    }
    record.update(detail)
    return {
        "source": "vlpar", "id": "1593746", "zittingsjaar": "2021-2022", "detail": record,
        "files": [{"stem": "1593746", "name": "1593746.pdf", "url": URL, "sha256": "0" * 64}],
        "written_at": "2021-11-05T10:00:00+00:00",
    }  # fmt: skip


def test_a_complete_sidecar_gives_every_field() -> None:
    meta, warnings = read_sidecar(sidecar(), "1593746.pdf", "1593746.json")
    assert warnings == ()
    assert meta == SourceMeta(
        vlpar_id="1593746", zittingsjaar="2021-2022", parliament_themes=("Binnenlands Bestuur", "Wonen"),
        answer_date=dt.date(2021, 10, 28), source_url=URL, question_number=12, questioner="Chris Janssens",
        minister="Bart Somers",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"thema": "Wonen"}, None),  # one theme as a string: taken
        ({"thema": [{"id": 1, "naam": "Wonen"}]}, None),  # as records: their names
        ({"thema": [1, 2]}, "thema"),
        ({"thema": {"a": 1}}, "thema"),
        ({"procedureverloop": "gisteren"}, "procedureverloop"),
        ({"procedureverloop": [{"status": "Laattijdig beantwoord", "datum": "31/02/2021"}]}, "procedureverloop"),
        ({"procedureverloop": [{"status": "Tijdig beantwoord", "datum": 20211028}]}, "procedureverloop"),
        ({"vraagnummer": "twaalf"}, "vraagnummer"),
        ({"vraagnummer": True}, "vraagnummer"),
        ({"vraagnummer": "²"}, "vraagnummer"),  # a digit to str.isdigit, not to int()
        ({"vraagnummer": "１２"}, "vraagnummer"),  # digits of another script
        ({"vraagnummer": "1" * 5000}, "vraagnummer"),  # over int()'s digit limit
        ({"vraagsteller": ["Chris", "Janssens"]}, "vraagsteller"),
        ({"minister": {"naam": 7}}, "minister"),
    ],
)
def test_a_field_of_the_wrong_type_is_null_with_a_warning(change: dict[str, object], field: str | None) -> None:
    meta, warnings = read_sidecar(sidecar(**change), "1593746.pdf", "1593746.json")
    assert meta is not None and meta.vlpar_id == "1593746"  # the other fields stay
    if field is None:
        assert warnings == () and meta.parliament_themes == ("Wonen",)
        return
    (warning,) = warnings
    assert warning.startswith("1593746.json: ") and field in warning and "null" in warning
    column = {"thema": "parliament_themes", "procedureverloop": "answer_date", "vraagnummer": "question_number",
              "vraagsteller": "questioner", "minister": "minister"}[field]  # fmt: skip
    assert getattr(meta, column) is None


def test_missing_fields_are_null_without_a_warning() -> None:
    record = sidecar()
    record["detail"] = {"id": 1593746}
    record["files"] = []
    meta, warnings = read_sidecar(record, "1593746.pdf", "1593746.json")
    assert warnings == ()
    assert meta == SourceMeta(vlpar_id="1593746", zittingsjaar="2021-2022")


def test_an_unanswered_question_has_no_answer_date() -> None:
    steps = [{"status": "Vraag gesteld aan de minister", "datum": "2021-10-01"}]
    meta, warnings = read_sidecar(sidecar(procedureverloop=steps), "1593746.pdf", "x")
    assert meta is not None and meta.answer_date is None and warnings == ()


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"\xff\xfe", b"[1, 2]", json.dumps({"detail": {}}).encode(), b""],
    ids=["broken", "not-utf8", "a-list", "not-from-fetch", "empty"],
)
def test_a_sidecar_that_cannot_be_used_gives_none_and_a_warning(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "1593746.json"
    path.write_bytes(content)
    meta, warnings = load_sidecar(path, "1593746.pdf")
    assert meta is None
    (warning,) = warnings
    assert warning.startswith("1593746.json: ") and "null" in warning


def test_an_unreadable_sidecar_gives_none_and_a_warning(tmp_path: Path) -> None:
    meta, warnings = load_sidecar(tmp_path / "gone.json", "1593746.pdf")
    assert meta is None and "cannot be read" in warnings[0]


def test_a_bad_id_year_or_url_is_null() -> None:
    record = sidecar()
    record.update(id="../../etc", zittingsjaar="2021")
    record["detail"]["zittingsjaar"] = "2021"
    record["files"][0]["url"] = "javascript:alert(1)"
    meta, warnings = read_sidecar(record, "1593746.pdf", "x")
    assert meta is not None and (meta.vlpar_id, meta.zittingsjaar, meta.source_url) == (None, None, None)
    assert len(warnings) == 3


def test_the_digest_follows_the_joined_values_not_the_times() -> None:
    record = sidecar()
    first = read_sidecar(record, "1593746.pdf", "x")[0]
    record["written_at"] = "2022-01-01T00:00:00+00:00"  # every fetch rewrites it
    assert meta_digest(read_sidecar(record, "1593746.pdf", "x")[0]) == meta_digest(first)
    record["detail"]["thema"] = ["Wonen"]
    assert meta_digest(read_sidecar(record, "1593746.pdf", "x")[0]) != meta_digest(first)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.text(alphabet="0123456789²³¹١٢３", max_size=8),  # digits to str.isdigit that int() may refuse
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_FIELDS = st.sampled_from(["id", "zittingsjaar", "thema", "vraagnummer", "vraagsteller", "minister",
                           "procedureverloop", "files", "detail"])  # fmt: skip


@given(changes=st.dictionaries(_FIELDS, _JSON, max_size=4), top=st.booleans())
def test_any_json_in_any_field_never_raises(changes: dict[str, object], top: bool) -> None:
    record = sidecar()
    (record if top else record["detail"]).update(changes)
    meta, warnings = read_sidecar(record, "1593746.pdf", "x")
    assert meta is not None and all(isinstance(w, str) for w in warnings)
    assert meta.parliament_themes is None or all(isinstance(t, str) for t in meta.parliament_themes)
    assert meta.answer_date is None or isinstance(meta.answer_date, dt.date)
    meta_digest(meta)
