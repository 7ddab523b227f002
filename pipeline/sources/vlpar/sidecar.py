"""A fetched document's sidecar read back for `parlq run`: the Parliament's metadata, or nulls and a warning.

`parlq fetch` writes `<ID>.json` beside `<ID>.<ext>` (pipeline.sources.vlpar.fetch): the detail
record as received plus provenance. The record came from the network, and the file may have been
edited or damaged since: every field is checked, a field of the wrong type is left out (None)
with a warning naming the file and the field, and nothing here raises for bad input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TypeVar

from pipeline.model.records import SourceMeta

T = TypeVar("T")
MAX_SIDECAR_BYTES = 4 << 20  # a sidecar is a few kB; anything this big is not one
SOURCE = "vlpar"
_ID = re.compile(r"[0-9]{1,12}")
_YEAR = re.compile(r"[0-9]{4}-[0-9]{4}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")  # also the start of "2021-11-05T00:00:00"
_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+")
_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ANSWERED = "beantwoord"  # "Tijdig beantwoord", "Laattijdig beantwoord" (spec: procedureverloop)


def load_sidecar(path: Path, file_name: str) -> tuple[SourceMeta | None, tuple[str, ...]]:
    """The metadata of `file_name` (e.g. `1593746.pdf`) from the sidecar at `path`, and warnings.

    A sidecar that cannot be read or is not JSON gives (None, warning); see `read_sidecar`.
    """
    shown = path.name
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SIDECAR_BYTES + 1)
    except OSError as exc:
        return None, (f"{shown}: the sidecar cannot be read ({exc.strerror or exc}); its columns are null.",)
    if len(data) > MAX_SIDECAR_BYTES:
        return None, (f"{shown}: the sidecar is over {MAX_SIDECAR_BYTES >> 20} MB; its columns are null.",)
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, (f"{shown}: the sidecar is not valid JSON ({exc}); its columns are null.",)
    return read_sidecar(record, file_name, shown)


def read_sidecar(record: object, file_name: str, shown: str) -> tuple[SourceMeta | None, tuple[str, ...]]:
    """The metadata of `file_name` in a decoded sidecar; fields of the wrong type are None, with a warning each."""
    if not isinstance(record, Mapping) or record.get("source") != SOURCE:
        return None, (f"{shown}: not a sidecar of parlq fetch (no \"source\": \"{SOURCE}\"); its columns are null.",)
    warnings: list[str] = []

    def take(field: str, value: object, read: Callable[[object], T | None]) -> T | None:
        if value is None:
            return None
        try:
            return read(value)
        except (ValueError, TypeError):  # _Bad, and whatever a reader did not foresee: a warning, never a crash
            warnings.append(f"{shown}: {field} {_short(value)} is not usable; its column is null.")
            return None

    detail = record.get("detail")
    if not isinstance(detail, Mapping):
        warnings.append(f"{shown}: the detail record is missing or not an object; its columns are null.")
        detail = {}
    meta = SourceMeta(
        vlpar_id=take("id", record.get("id", detail.get("id")), _id_of),
        zittingsjaar=take("zittingsjaar", record.get("zittingsjaar", detail.get("zittingsjaar")), _year_of),
        parliament_themes=take("thema", detail.get("thema"), _themes_of),
        answer_date=take("procedureverloop", detail.get("procedureverloop"), _answer_date_of),
        source_url=take("files", record.get("files"), partial(_url_of, file_name=file_name)),
        question_number=take("vraagnummer", detail.get("vraagnummer"), _number_of),
        questioner=take("vraagsteller", detail.get("vraagsteller"), _person_of),
        minister=take("minister", detail.get("minister"), _person_of),
    )
    return meta, tuple(warnings)


def meta_digest(meta: SourceMeta) -> str:
    """sha256 of the metadata's values: what makes a sidecar "changed" for `parlq run`.

    Only what is joined counts: a fetch rewrites the sidecar's times on every run, which must not
    make every document new.
    """
    return hashlib.sha256(json.dumps(meta_record(meta), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def meta_record(meta: SourceMeta) -> dict[str, object]:
    """The metadata as plain JSON values (for its digest)."""
    return {
        "vlpar_id": meta.vlpar_id,
        "zittingsjaar": meta.zittingsjaar,
        "parliament_themes": list(meta.parliament_themes) if meta.parliament_themes is not None else None,
        "answer_date": meta.answer_date.isoformat() if meta.answer_date else None,
        "source_url": meta.source_url,
        "question_number": meta.question_number,
        "questioner": meta.questioner,
        "minister": meta.minister,
    }


class _Bad(ValueError):
    """A field present with a value of the wrong type or form."""


def _id_of(value: object) -> str:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not _ID.fullmatch(text):
        raise _Bad
    return text


def _year_of(value: object) -> str:
    if isinstance(value, Mapping):  # {id, naam, ...} as the parliamentary years service gives it
        value = value.get("naam")
    if not isinstance(value, str) or not _YEAR.fullmatch(value):
        raise _Bad
    return value


def _url_of(files: object, file_name: str) -> str | None:
    """The URL the document was fetched from, as the detail gave it (the sidecar's entry for this file)."""
    if not isinstance(files, list):
        raise _Bad
    for entry in files:
        if isinstance(entry, Mapping) and entry.get("name") == file_name:
            url = entry.get("url")
            if isinstance(url, str) and _URL.fullmatch(url):  # the schema's pattern: nothing else is a URL here
                return url
            raise _Bad
    return None


def _themes_of(value: object) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise _Bad
    themes = []
    for item in items:
        if isinstance(item, Mapping):  # a theme given as {id, naam}
            item = item.get("naam")
        if not isinstance(item, str):
            raise _Bad
        if item.strip():
            themes.append(" ".join(item.split()))
    return tuple(themes)


def _answer_date_of(value: object) -> dt.date | None:
    """The latest date of an "answered" step of `procedureverloop`; None when it was not answered."""
    if not isinstance(value, list):
        raise _Bad
    dates = []
    for step in value:
        if not isinstance(step, Mapping):
            raise _Bad
        status = step.get("status")
        if isinstance(status, str) and _ANSWERED in status.lower():
            dates.append(_date_of(step.get("datum")))
    return max(dates) if dates else None


def _date_of(value: object) -> dt.date:
    if isinstance(value, str):
        for pattern, order in ((_DATE, (0, 1, 2)), (_DMY, (2, 1, 0))):
            found = pattern.match(value.strip())
            if found:
                parts = [int(found.group(i + 1)) for i in order]
                try:
                    return dt.date(*parts)
                except ValueError:
                    raise _Bad from None
    raise _Bad


def _number_of(value: object) -> int:
    # isdigit() also holds for "²" and for digits of other scripts, which int() refuses or reads as others
    if isinstance(value, str) and (text := value.strip()).isascii() and text.isdigit() and len(text) <= 6:
        value = int(text)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1_000_000:
        return value
    raise _Bad


def _person_of(value: object) -> str:
    """'voornaam naam' of a {id, naam, voornaam} record (or the name given as one string)."""
    if isinstance(value, str):
        parts = [value]
    elif isinstance(value, Mapping):
        parts = [value.get("voornaam"), value.get("naam")]
        if not isinstance(parts[1], str) or any(p is not None and not isinstance(p, str) for p in parts):
            raise _Bad
    else:
        raise _Bad
    name = " ".join(" ".join(p for p in parts if p).split())
    if not name:
        raise _Bad
    return name


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
