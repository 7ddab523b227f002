"""A fetch: the written questions published in a window, found by the search, each with its files.

`fetch_window` never stops for one item: a window, question or file that fails (after the
client's retries) becomes a FetchFailure and the rest goes on. A file already held unchanged is
not downloaded again: a conditional GET when the server gave validators, no request at all when
it gave none and the URL is the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.sources.vlpar.client import Client, FetchError
from pipeline.sources.vlpar.config import FailureKind, FetchConfig, Window
from pipeline.sources.vlpar.details import DetailError, FileRef, Question, build_detail_url, check_id, parse_detail
from pipeline.sources.vlpar.files import (
    choose_extension,
    commit_file,
    has_magic,
    hash_file,
    hold_fetch_lock,
    part_path,
    read_json,
    read_state,
    remove_parts,
    write_json,
    write_state,
)
from pipeline.sources.vlpar.search import Hit, build_search_url, count_pages, parse_search_page

SOURCE = "vlpar"


@dataclass(frozen=True)
class FetchFailure:
    item: str  # "window 2021-09-01..2021-09-30", "1593746", "1593746.bijlage-1"
    kind: FailureKind
    message: str


@dataclass(frozen=True)
class FetchSummary:
    window: Window
    found: int  # written questions the search found in the window
    questions: int  # of which every file is now held
    downloaded: int  # files written
    unchanged: int  # files already held, not downloaded again
    failures: tuple[FetchFailure, ...] = field(default_factory=tuple)


class MissingSince(ValueError):
    """A first fetch (no state yet) without --since."""


def plan_window(
    config: FetchConfig, since: dt.date | None, until: dt.date | None, overlap_days: int, today: dt.date
) -> Window:
    """The window to fetch: from `since`, else from the last successful fetch's end minus the overlap."""
    if since is None:
        last = read_state(config.vlpar_dir)
        if last is None:
            raise MissingSince(f"no earlier fetch into {config.sources_dir}: give --since YYYY-MM-DD for the first.")
        since = last - dt.timedelta(days=overlap_days)  # late publications land inside old windows
    end = until or today
    return Window(min(since, end), end)


def fetch_window(config: FetchConfig, window: Window, now: dt.datetime | None = None) -> FetchSummary:
    """Fetch every written question published in `window` into `config.vlpar_dir`; state on full success."""
    started = now or dt.datetime.now(dt.UTC)
    with hold_fetch_lock(config.vlpar_dir), Client(config) as client:
        remove_parts(config.vlpar_dir)
        hits, failures = find_questions(client, config, window)
        with ThreadPoolExecutor(max_workers=config.connections) as pool:
            outcomes = list(pool.map(lambda hit: fetch_question(client, config, hit), hits))
    downloaded = sum(o.downloaded for o in outcomes)
    unchanged = sum(o.unchanged for o in outcomes)
    failures += [f for o in outcomes for f in o.failures]
    if not failures:
        write_state(config.vlpar_dir, window.since, window.until, started)
    return FetchSummary(
        window=window,
        found=len(hits),
        questions=sum(not o.failures for o in outcomes),
        downloaded=downloaded,
        unchanged=unchanged,
        failures=tuple(failures),
    )


def find_questions(client: Client, config: FetchConfig, window: Window) -> tuple[list[Hit], list[FetchFailure]]:
    """Every hit in `window`, one per id, splitting it while a part counts `split_at` results or more."""
    found: dict[str, Hit] = {}
    failures: list[FetchFailure] = []
    pending = [window]
    while pending:
        part = pending.pop(0)
        item = f"window {part.since}..{part.until}"
        try:
            body = client.get_json(build_search_url(config.api_base, part, 1, config.page_size))
            first = parse_search_page(body, part)
        except (FetchError, ValueError) as exc:
            failures.append(_failure(item, exc))
            continue
        if first.count >= config.split_at:
            if part.days == 1:
                message = f"{first.count} results on one day; the service gives at most {config.split_at}."
                failures.append(FetchFailure(item, FailureKind.WINDOW_TOO_FULL, message))
            else:
                pending[:0] = part.halves()
            continue
        pages = [first]
        for number in range(2, count_pages(first.count, config.page_size) + 1):
            try:
                body = client.get_json(build_search_url(config.api_base, part, number, config.page_size))
                pages.append(parse_search_page(body, part))
            except (FetchError, ValueError) as exc:
                failures.append(_failure(f"{item} page {number}", exc))
                break
            if not pages[-1].hits and not pages[-1].unreadable:
                break  # fewer results than counted
        for page in pages:
            for hit in page.hits:
                found.setdefault(hit.id, hit)
            if page.unreadable:
                message = f"{page.unreadable} search results without an id were skipped."
                failures.append(FetchFailure(item, FailureKind.MISSING_FIELD, message))
    return sorted(found.values(), key=lambda hit: hit.id), failures


@dataclass(frozen=True)
class QuestionOutcome:
    downloaded: int
    unchanged: int
    failures: tuple[FetchFailure, ...]


def fetch_question(client: Client, config: FetchConfig, hit: Hit) -> QuestionOutcome:
    """One written question: its detail, then each of its files, the sidecar rewritten after each file."""
    try:
        question_id = check_id(hit.id)
        detail_url = build_detail_url(config.api_base, question_id)
        question = parse_detail(client.get_json(detail_url), question_id, hit.zittingsjaar)
    except (FetchError, DetailError) as exc:
        return QuestionOutcome(0, 0, (_failure(hit.id, exc),))
    folder = config.vlpar_dir / question.zittingsjaar
    folder.mkdir(parents=True, exist_ok=True)
    sidecar = folder / f"{question.id}.json"
    old = read_json(sidecar) or {}
    held = {e["stem"]: e for e in old.get("files", []) if isinstance(e, dict) and "stem" in e}
    entries: dict[str, dict[str, object]] = {}
    downloaded = unchanged = 0
    failures: list[FetchFailure] = []
    for ref in question.files:
        try:
            entry, fresh = _fetch_file(client, folder, ref, held.get(ref.stem))
        except FetchError as exc:
            part_path(folder, ref.stem).unlink(missing_ok=True)  # a broken-off body is not kept
            failures.append(_failure(ref.stem, exc))
            if ref.stem in held:  # the copy we hold stays listed
                entries[ref.stem] = held[ref.stem]
            continue
        entries[ref.stem] = entry
        downloaded += fresh
        unchanged += not fresh
        if fresh:
            _write_sidecar(sidecar, question, detail_url, entries, held)
    _write_sidecar(sidecar, question, detail_url, entries, {})
    return QuestionOutcome(downloaded, unchanged, tuple(failures))


def _fetch_file(
    client: Client, folder: Path, ref: FileRef, held: Mapping[str, object] | None
) -> tuple[dict[str, object], bool]:
    """(the sidecar entry of `ref`, whether it was downloaded now)."""
    current = _held_intact(folder, ref, held)
    if current is not None and not (current.get("etag") or current.get("last_modified")):
        return current, False  # no validators to ask with: the same URL is the same file
    part = part_path(folder, ref.stem)
    etag, modified = (_text(current.get(k)) if current else None for k in ("etag", "last_modified"))
    download = client.download(ref.url, part, etag, modified)
    if download.status == 304 and current is not None:
        return current, False
    extension = choose_extension(download.content_type)
    if extension is None:
        part.unlink(missing_ok=True)
        raise FetchError(FailureKind.BAD_TYPE, f"{download.url} is of type {download.content_type or 'none'}.")
    if not has_magic(extension, download.head):
        part.unlink(missing_ok=True)
        raise FetchError(
            FailureKind.BAD_CONTENT, f"{download.url} is served as {extension} but starts with {download.head!r}."
        )
    name = f"{ref.stem}.{extension}"
    if current is not None and download.sha256 == current.get("sha256") and current.get("name") == name:
        part.unlink(missing_ok=True)
        return {**current, "etag": download.etag, "last_modified": download.last_modified}, False
    commit_file(part, folder / name)
    if current is not None and current.get("name") != name:  # the type changed: the old file goes
        (folder / str(current["name"])).unlink(missing_ok=True)
    entry = {
        "stem": ref.stem,
        "role": str(ref.role),
        "title": ref.title,
        "name": name,
        "url": ref.url,
        "final_url": download.url,
        "content_type": download.content_type,
        "sha256": download.sha256,
        "size": download.size,
        "etag": download.etag,
        "last_modified": download.last_modified,
        "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return entry, True


def _held_intact(folder: Path, ref: FileRef, held: Mapping[str, object] | None) -> dict[str, object] | None:
    """The sidecar entry of a file we hold whose URL and bytes are still those recorded, else None."""
    if held is None or held.get("url") != ref.url or not isinstance(held.get("name"), str):
        return None
    name = str(held["name"])
    if "/" in name or not name.startswith(f"{ref.stem}.") or hash_file(folder / name) != held.get("sha256"):
        return None
    return dict(held)


def _write_sidecar(
    path: Path,
    question: Question,
    detail_url: str,
    entries: Mapping[str, Mapping[str, object]],
    held: Mapping[str, Mapping[str, object]],
) -> None:
    # files still held from before stay listed until their turn comes (a kill then loses nothing)
    files = {**held, **entries}
    order = [ref.stem for ref in question.files]
    record = {
        "source": SOURCE,
        "id": question.id,
        "zittingsjaar": question.zittingsjaar,
        "detail_url": detail_url,
        "detail": question.record,
        "files": [files[stem] for stem in order if stem in files],
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    write_json(path, record)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _failure(item: str, exc: Exception) -> FetchFailure:
    if isinstance(exc, FetchError | DetailError):
        return FetchFailure(item, exc.kind, exc.message)
    return FetchFailure(item, FailureKind.NOT_JSON, f"{item}: {exc}")
