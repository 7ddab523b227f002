"""Belgian municipalities and their deelgemeenten by NIS code and name, valid on a given date.

The data are the CSVs in pipeline/data, built once by scripts/build_gazetteer.py from Statbel's
REFNIS files and the UiTdatabank list of deelgemeenten (provenance: pipeline/data/README.md).
Names are compared through `normalize_place_name`, so case, accents, hyphens and apostrophes
never matter.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from pipeline.model.records import Municipality, PlaceMatch, SubMunicipality

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
MUNICIPALITY_COLUMNS = ("nis_code", "name", "province", "region", "valid_from", "valid_to")
SUB_MUNICIPALITY_COLUMNS = ("name", "municipality_nis", "municipality_name", "valid_from",
                            "valid_to", "kind", "preferred", "uit_key")
# Words that introduce a place in a heading without being part of its name ("Stad Gent").
PREFIXES = (("lokaal", "bestuur"), ("stadsbestuur",), ("gemeentebestuur",), ("stad",),
            ("gemeente",), ("deelgemeente",), ("district",))
_ABBREVIATIONS = {"st": "sint"}  # "St.-Niklaas"
_APOSTROPHES = dict.fromkeys(map(ord, "'\u2018\u2019\u02bc`\u00b4\""))
_WORD = re.compile(r"[^\W_]+")
WALLOON = "Wallonië"
# a Flemish province's name that is also the Dutch name of a Walloon municipality (Limbourg): in a
# Flemish answer it means the province. ("Luik" and "Namen" are cities as often as provinces: kept.)
PROVINCE_KEYS = frozenset({"limburg"})

_Row = TypeVar("_Row", Municipality, SubMunicipality)


@dataclass(frozen=True, eq=False)
class Gazetteer:
    """Every municipality and deelgemeente row, with lookup indexes; see `load_gazetteer`."""

    municipalities: tuple[Municipality, ...]
    sub_municipalities: tuple[SubMunicipality, ...]
    municipalities_by_code: Mapping[str, tuple[Municipality, ...]]
    municipalities_by_name: Mapping[str, tuple[Municipality, ...]]  # normalized name -> rows
    subs_by_name: Mapping[str, tuple[SubMunicipality, ...]]
    subs_by_code: Mapping[str, tuple[SubMunicipality, ...]]
    # the days on which some row starts or stops being valid, sorted: between two, nothing changes
    changes: tuple[dt.date, ...]
    _names: dict[int, frozenset[str]] = field(default_factory=dict, repr=False)  # place_names per period
    _places: dict[tuple[str, int], PlaceMatch | None] = field(default_factory=dict, repr=False)  # resolve_place


def load_gazetteer(data_dir: Path | None = None) -> Gazetteer:
    """Read the gazetteer CSVs (default: the package's data folder) and index them."""
    folder = Path(data_dir) if data_dir is not None else DATA_DIR
    dates: dict[str, dt.date] = {}
    keys: dict[str, str] = {}

    def day(text: str) -> dt.date:
        if text not in dates:
            dates[text] = dt.date.fromisoformat(text)
        return dates[text]

    def key(name: str) -> str:
        if name not in keys:
            keys[name] = normalize_place_name(name)
        return keys[name]

    municipalities = tuple(
        Municipality(code, name, province or None, region, day(start), day(end))
        for code, name, province, region, start, end
        in _read_rows(folder / "municipalities.csv", MUNICIPALITY_COLUMNS)
    )
    subs = tuple(
        SubMunicipality(name, code, parent, day(start), day(end), kind, preferred == "1")
        for name, code, parent, start, end, kind, preferred, _key
        in _read_rows(folder / "sub_municipalities.csv", SUB_MUNICIPALITY_COLUMNS)
    )
    return Gazetteer(
        municipalities=municipalities,
        sub_municipalities=subs,
        municipalities_by_code=_index(municipalities, lambda m: m.nis_code),
        municipalities_by_name=_index(municipalities, lambda m: key(m.name)),
        subs_by_name=_index(subs, lambda s: key(s.name)),
        subs_by_code=_index(subs, lambda s: s.municipality_nis),
        changes=_changes((*municipalities, *subs)),
    )


def resolve_place(gazetteer: Gazetteer, text: str, on: dt.date) -> PlaceMatch | None:
    """Resolve the place of a heading ("BRUGGE (ZEEBRUGGE)", "Kessel-Lo (Leuven)") on a date.

    A municipality name wins over a deelgemeente of the same name elsewhere. A bare deelgemeente
    name resolves only when it is unambiguous on that date (a former municipality merged in
    2019/2025 beats an older homonym deelgemeente; `preferred` rows break the remaining ties);
    otherwise the result is None unless parentheses name the municipality. An unknown part in
    parentheses next to a known municipality gives that municipality without a deelgemeente.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    day = _as_date(on)
    key = (text, _period(gazetteer, day))  # the same answer on every day of a period
    if key not in gazetteer._places:
        gazetteer._places[key] = _resolve(gazetteer, text, day)
    return gazetteer._places[key]


def _resolve(gazetteer: Gazetteer, text: str, day: dt.date) -> PlaceMatch | None:
    parts = [p for p in _split_place(text) if p is not None and normalize_place_name(p)]
    if len(parts) < 2:
        return _resolve_single(gazetteer, parts[0], day) if parts else None
    outer, inner = parts
    for municipality_part, sub_part in ((outer, inner), (inner, outer)):
        municipality = _municipality_named(gazetteer, municipality_part, day)
        if municipality is None:
            continue
        if _same_place(sub_part, municipality.name):
            return PlaceMatch(municipality, None)
        sub = _sub_of(gazetteer, sub_part, municipality.nis_code, day)
        if sub is not None:
            return _match(municipality, sub)
    for part in (outer, inner):
        municipality = _municipality_named(gazetteer, part, day)
        if municipality is not None:
            return PlaceMatch(municipality, None)
    return _resolve_single(gazetteer, outer, day) or _resolve_single(gazetteer, inner, day)


def split_merged_name(gazetteer: Gazetteer, text: str, on: dt.date) -> tuple[str, ...]:
    """The municipalities a later merger's name stands for on `on`: "Merelbeke-Melle" in 2024 is
    Merelbeke and Melle (the 2019 municipalities, in the order the name gives them).

    Empty when `text` names a municipality valid on `on`, or no later merger.
    """
    day = _as_date(on)
    if not isinstance(text, str) or resolve_place(gazetteer, text, day) is not None:
        return ()
    for key in _keys(text):
        later = [m for m in gazetteer.municipalities_by_name.get(key, ()) if m.valid_from > day]
        if not later:
            continue
        merged = min(later, key=lambda m: m.valid_from)
        formers = [s for s in gazetteer.subs_by_code.get(merged.nis_code, ())
                   if s.kind == "former_municipality" and s.valid_from == merged.valid_from]  # fmt: skip
        names = [m.name for s in formers if (m := _municipality_named(gazetteer, s.name, day)) is not None]
        return tuple(sorted(dict.fromkeys(names), key=lambda name: _position_in(name, key)))
    return ()


def _position_in(name: str, key: str) -> int:
    found = key.find(normalize_place_name(name))
    return found if found >= 0 else len(key)


def find_municipality(gazetteer: Gazetteer, nis_code: str, on: dt.date) -> Municipality | None:
    """The municipality with this NIS code on that date, or None if the code was not in use."""
    day = _as_date(on)
    rows = gazetteer.municipalities_by_code.get(_clean_code(nis_code), ())
    return next((row for row in rows if _valid(row, day)), None)


def is_valid_code(gazetteer: Gazetteer, nis_code: str, on: dt.date) -> bool:
    """Whether this NIS code denoted a municipality on that date."""
    return find_municipality(gazetteer, nis_code, on) is not None


def place_names(gazetteer: Gazetteer, on: dt.date) -> frozenset[str]:
    """Official spellings of every municipality and deelgemeente name valid on that date.

    Built once per period between two `changes` of the gazetteer: every date in it gets the same set.
    """
    day = _as_date(on)
    period = _period(gazetteer, day)
    names = gazetteer._names.get(period)
    if names is None:
        names = gazetteer._names[period] = frozenset(
            [m.name for m in gazetteer.municipalities if _valid(m, day)]
            + [s.name for s in gazetteer.sub_municipalities if _valid(s, day)]
        )
    return names


def sub_municipalities_of(gazetteer: Gazetteer, nis_code: str, on: dt.date) -> tuple[str, ...]:
    """Deelgemeenten (and merged former municipalities) of a municipality on a date, sorted.

    Includes the deelgemeente that carries the municipality's own name where the list has one.
    """
    day = _as_date(on)
    rows = gazetteer.subs_by_code.get(_clean_code(nis_code), ())
    return tuple(sorted({s.name for s in rows if _valid(s, day)}, key=normalize_place_name))


def normalize_place_name(text: str) -> str:
    """Matching key: lower case, no accents or apostrophes, words joined by single spaces."""
    plain = text.translate(_APOSTROPHES).casefold()
    if not plain.isascii():
        decomposed = unicodedata.normalize("NFKD", plain)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        plain = plain.replace("\u0153", "oe").replace("\u00e6", "ae")  # NFKD keeps ligatures
    return " ".join(_ABBREVIATIONS.get(w, w) for w in _WORD.findall(plain))


# --- matching -----------------------------------------------------------------------------


def _resolve_single(gazetteer: Gazetteer, text: str, day: dt.date) -> PlaceMatch | None:
    municipality = _municipality_named(gazetteer, text, day)
    sub = _sub_anywhere(gazetteer, text, day)
    if municipality is not None and municipality.region == WALLOON:
        # in a Flemish answer "Limburg" is the province, not Limbourg; a Flemish or Brussels
        # deelgemeente of the same name beats a Walloon municipality
        if normalize_place_name(text) in PROVINCE_KEYS:
            return None
        parent = find_municipality(gazetteer, sub.municipality_nis, day) if sub is not None else None
        if parent is not None and parent.region != WALLOON:
            municipality = None
    if municipality is not None:
        return PlaceMatch(municipality, None)
    if sub is None:
        return None
    parent = find_municipality(gazetteer, sub.municipality_nis, day)
    return _match(parent, sub) if parent is not None else None


def _municipality_named(gazetteer: Gazetteer, text: str, day: dt.date) -> Municipality | None:
    for key in _keys(text):
        rows = [m for m in gazetteer.municipalities_by_name.get(key, ()) if _valid(m, day)]
        if rows:
            # Homonymous municipalities only coexist before 1977; refuse to guess between them.
            return rows[0] if len({m.nis_code for m in rows}) == 1 else None
    return None


def _sub_of(gazetteer: Gazetteer, text: str, nis_code: str, day: dt.date
            ) -> SubMunicipality | None:
    for key in _keys(text):
        for sub in gazetteer.subs_by_name.get(key, ()):
            if sub.municipality_nis == nis_code and _valid(sub, day):
                return sub
    return None


def _sub_anywhere(gazetteer: Gazetteer, text: str, day: dt.date) -> SubMunicipality | None:
    for key in _keys(text):
        found = [s for s in gazetteer.subs_by_name.get(key, ()) if _valid(s, day)]
        if not found:
            continue
        # A municipality merged in 2019/2025 is what a bare name means, not a homonym village.
        pool = [s for s in found if s.kind == "former_municipality"] or found
        if len({s.municipality_nis for s in pool}) == 1:
            return pool[0]
        preferred = [s for s in pool if s.preferred]
        return preferred[0] if len({s.municipality_nis for s in preferred}) == 1 else None
    return None


def _match(municipality: Municipality, sub: SubMunicipality) -> PlaceMatch:
    same = _same_place(sub.name, municipality.name)
    return PlaceMatch(municipality, None if same else sub.name)


def _same_place(text: str, name: str) -> bool:
    target = normalize_place_name(name)
    return any(key == target for key in _keys(text))


def _keys(text: str) -> Iterator[str]:
    """The normalized text, then the same without a leading "Stad"/"Gemeente"-like prefix."""
    key = normalize_place_name(text)
    yield key
    words = tuple(key.split())
    for prefix in PREFIXES:
        if len(words) > len(prefix) and words[: len(prefix)] == prefix:
            yield " ".join(words[len(prefix):])
            return


def _split_place(text: str) -> tuple[str, str | None]:
    """Split "Outer (inner)" into its two parts; text after the closing bracket is dropped."""
    head, bracket, rest = text.replace("[", "(").replace("]", ")").partition("(")
    if not bracket:
        return text, None
    return head, rest.split(")", 1)[0]


# --- loading and small helpers ------------------------------------------------------------


def _read_rows(path: Path, columns: tuple[str, ...]) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or tuple(rows[0]) != columns:
        raise ValueError(f"{path}: expected columns {', '.join(columns)}")
    return rows[1:]


def _index(rows: tuple[_Row, ...], key: Callable[[_Row], str]) -> Mapping[str, tuple[_Row, ...]]:
    groups: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return MappingProxyType({k: tuple(v) for k, v in groups.items()})


def _changes(rows: tuple[Municipality | SubMunicipality, ...]) -> tuple[dt.date, ...]:
    """The first day of every row and the day after its last: validity only changes on these days."""
    days = {row.valid_from for row in rows}
    days.update(row.valid_to + dt.timedelta(days=1) for row in rows if row.valid_to < dt.date.max)
    return tuple(sorted(days))


def _period(gazetteer: Gazetteer, day: dt.date) -> int:
    """Which stretch between two `changes` `day` falls in: every day of one has the same rows valid."""
    return bisect.bisect_right(gazetteer.changes, day)


def _valid(row: Municipality | SubMunicipality, day: dt.date) -> bool:
    return row.valid_from <= day <= row.valid_to


def _as_date(on: dt.date) -> dt.date:
    # A datetime is a date, but comparing one with a date raises.
    return on.date() if isinstance(on, dt.datetime) else on


def _clean_code(nis_code: str) -> str:
    code = str(nis_code).strip()
    return code.zfill(5) if code.isdigit() and len(code) < 5 else code
