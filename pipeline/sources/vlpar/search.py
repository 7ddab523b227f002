"""The search service: query URLs, and its pages read into hits. Pure functions; fetch.py does the requests.

A page is `{"count": N, "result": [{"id": ..., "metatags": {"metatag": [{"name", "value"}, ...]}}]}`;
names can repeat (`thema`), fields can be missing, and the service answers at most 10,000 results
for one query, so a window whose count reaches that is split (fetch.py).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.sources.vlpar.config import Window

# The window goes in the path, `requiredfields` too (the spec: a server accepts it there and as a parameter).
QUERY = "inmeta:publicatiedatum:daterange:{since}..{until}&requiredfields=aggregaattype:Schriftelijke%20vraag"
_OPENDATA_ID = re.compile(r"/schv/(\d+)/?$")
_FEED_ID = re.compile(r"/(\d+)/pfls/")


@dataclass(frozen=True)
class Hit:
    """One written question the search found; `id` is unchecked text until details.check_id."""

    id: str
    published: dt.date | None
    zittingsjaar: str | None


@dataclass(frozen=True)
class SearchPage:
    count: int
    hits: tuple[Hit, ...]
    unreadable: int  # results without an id: counted, reported by fetch.py


def build_search_url(api_base: str, window: Window, page: int, size: int) -> str:
    """The URL of one page (1-based) of the written questions published in `window`."""
    query = QUERY.format(since=window.since.isoformat(), until=window.until.isoformat())
    return f"{api_base}/api/search/query/{query}?collection=vp_collection&page={page}&max={size}&sort=date"


def count_pages(count: int, size: int) -> int:
    """How many pages of `size` hold `count` results."""
    return max(1, math.ceil(count / size))


def parse_search_page(body: object, window: Window) -> SearchPage:
    """The hits of one page inside `window` (the service's own date filter is not trusted).

    Raises ValueError when the body is not a search page at all.
    """
    if not isinstance(body, Mapping) or not isinstance(body.get("count"), int | str):
        raise ValueError("the search answer has no count")
    try:
        count = int(body["count"])
    except ValueError:
        raise ValueError(f"the search answer's count {body['count']!r} is not a number") from None
    results = body.get("result") or []
    if not isinstance(results, list):
        raise ValueError("the search answer's result is not a list")
    hits: list[Hit] = []
    unreadable = 0
    for result in results:
        hit = read_hit(result) if isinstance(result, Mapping) else None
        if hit is None:
            unreadable += 1
        elif hit.published is None or window.since <= hit.published <= window.until:
            hits.append(hit)
    return SearchPage(count=count, hits=tuple(hits), unreadable=unreadable)


def read_hit(result: Mapping[str, object]) -> Hit | None:
    """One result as a Hit, None when no id can be found in it."""
    tags = read_metatags(result)
    found = None
    for pattern, text in ((_OPENDATA_ID, tags.get("opendata", [""])[0]), (_FEED_ID, str(result.get("id", "")))):
        match = pattern.search(text)
        if match:
            found = match.group(1)
            break
    if found is None:
        return None
    year = tags.get("zittingsjaar", [None])[0]
    return Hit(id=found, published=_read_date(tags.get("publicatiedatum", [""])[0]), zittingsjaar=year)


def read_metatags(result: Mapping[str, object]) -> dict[str, list[str]]:
    """Metatags by name, each with all its values in order (a name can repeat)."""
    metatags = result.get("metatags")
    entries = metatags.get("metatag") if isinstance(metatags, Mapping) else None
    if isinstance(entries, Mapping):  # one tag may come as an object instead of a list of one
        entries = [entries]
    tags: dict[str, list[str]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str) and entry.get("value") is not None:
            tags.setdefault(entry["name"], []).append(str(entry["value"]))
    return tags


def _read_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None
