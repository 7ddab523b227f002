"""Municipalities and NIS codes for the held-back truth, read from the shared REFNIS files (not from parlq).

A document dated before 2025-01-01 uses REFNIS_2019's codes, from then on REFNIS_2025's. Every
place a held-back document names is looked up here, so a typo in the truth fails loudly.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SHARED_DATA = Path("/work/shared/data")
MERGER_DAY = dt.date(2025, 1, 1)
# First digits of a NIS code -> province (Flemish provinces; Brussels is not used here).
_PROVINCES = {"1": "Antwerpen", "23": "Vlaams-Brabant", "24": "Vlaams-Brabant", "3": "West-Vlaanderen",
              "4": "Oost-Vlaanderen", "7": "Limburg"}  # fmt: skip
_DEELGEMEENTE = re.compile(r"^\|\s*(?P<name>[^|(]+?)\s*\((?P<parent>[^|)]+)\)\s*\|")
# 2025 mergers (shared README, FUSIONS): former municipality -> merged one.
FORMER_2025 = {
    "Borsbeek": "Antwerpen", "Zwijndrecht": "Beveren-Kruibeke-Zwijndrecht", "Beveren": "Beveren-Kruibeke-Zwijndrecht",
    "Kruibeke": "Beveren-Kruibeke-Zwijndrecht", "Galmaarden": "Pajottegem", "Gooik": "Pajottegem",
    "Herne": "Pajottegem", "Meulebeke": "Tielt", "Ruiselede": "Wingene", "De Pinte": "Nazareth-De Pinte",
    "Nazareth": "Nazareth-De Pinte", "Wachtebeke": "Lochristi", "Melle": "Merelbeke-Melle",
    "Merelbeke": "Merelbeke-Melle", "Moerbeke": "Lokeren", "Kortessem": "Hasselt", "Tessenderlo": "Tessenderlo-Ham",
    "Ham": "Tessenderlo-Ham", "Hoeselt": "Bilzen-Hoeselt", "Bilzen": "Bilzen-Hoeselt", "Borgloon": "Tongeren-Borgloon",
    "Tongeren": "Tongeren-Borgloon",
}  # fmt: skip


@dataclass(frozen=True)
class Place:
    """A municipality valid on a date: its official Dutch name, NIS code and province."""

    municipality: str
    nis_code: str
    province: str


def find_place(name: str, on: dt.date, data: Path = SHARED_DATA) -> Place:
    """The municipality called `name` on date `on`; KeyError when it did not exist then."""
    codes = _codes_2025(data) if on >= MERGER_DAY else _codes_2019(data)
    code = codes[name]
    province = next(p for prefix, p in sorted(_PROVINCES.items(), key=lambda kv: -len(kv[0]))
                    if code.startswith(prefix))  # fmt: skip
    return Place(name, code, province)


def check_sub_municipality(sub: str, municipality: str, on: dt.date, data: Path = SHARED_DATA) -> None:
    """Raise ValueError unless `sub` is a deelgemeente (or, from 2025, a former municipality) of `municipality`."""
    if on >= MERGER_DAY and FORMER_2025.get(sub) == municipality:
        return
    parents = set(_deelgemeenten(data).get(sub, ()))
    if municipality not in parents and not (on >= MERGER_DAY and parents & _former_of(municipality)):
        raise ValueError(f"{sub} is not a sub-municipality of {municipality} on {on}")


def _former_of(municipality: str) -> set[str]:
    return {old for old, new in FORMER_2025.items() if new == municipality}


@cache
def _codes_2019(data: Path) -> dict[str, str]:
    with (data / "REFNIS_2019.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    return {row[4]: row[3] for row in rows if row[5] and len(row[3]) == 5}


@cache
def _codes_2025(data: Path) -> dict[str, str]:
    with (data / "REFNIS_2025.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="|"))[1:]
    return {row[4]: row[3] for row in rows if len(row) > 5 and row[5] and len(row[3]) == 5}


@cache
def _deelgemeenten(data: Path) -> dict[str, frozenset[str]]:
    """Deelgemeente name -> the municipalities (state of 2018) that hold one of that name."""
    found: dict[str, set[str]] = {}
    for line in (data / "uitdatabank_list_of_shapes_deelgemeenten.md").read_text(encoding="utf-8").splitlines():
        match = _DEELGEMEENTE.match(line)
        if match:
            found.setdefault(match["name"].strip(), set()).add(match["parent"].strip())
    return {name: frozenset(parents) for name, parents in found.items()}
