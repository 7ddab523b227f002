"""Truth rows of the held-back documents: every place checked against the shared REFNIS files."""

from __future__ import annotations

import datetime as dt

from bench.heldout.places import check_sub_municipality, find_place


def application(
    on: dt.date,
    applicant: str,
    municipality: str,
    title: str,
    *,
    form: str,
    status: str,
    budget: float | None = None,
    sub: str | None = None,
    hoods: tuple[str, ...] = (),
    also: tuple[str, ...] = (),
) -> dict:
    """One expected application; `also` names further municipalities of an intermunicipal applicant."""
    if status not in ("submitted", "accepted", "rejected"):
        raise ValueError(status)
    place = find_place(municipality, on)
    if sub is not None:
        check_sub_municipality(sub, municipality, on)
    others = [find_place(name, on) for name in also]
    return {
        "applicant": applicant,
        "municipality": place.municipality,
        "nis_code": place.nis_code,
        "province": place.province,
        "sub_municipality": sub,
        "neighbourhoods": list(hoods),
        "title": title,
        "budget_eur": budget,
        "status": status,
        "form": form,
        "municipalities": [place.municipality, *(p.municipality for p in others)],
    }


def euro(amount: float) -> str:
    """Dutch notation without cents: 185000 -> "185.000"; with cents when there are any."""
    whole = f"{int(amount):,}".replace(",", ".")
    cents = round((amount - int(amount)) * 100)
    return f"{whole},{cents:02d}" if cents else whole
