"""The only module that talks HTTP (requests, with urllib3's `Retry`): polite, bounded, and never trusting a body.

Status retries (429, 5xx) and connection errors before the headers are urllib3's `Retry`, which
honours `Retry-After` (seconds or an HTTP date) and backs off exponentially with jitter; its
waits go through the config's `sleep` so tests record them instead of sleeping. A body that
breaks off (fewer bytes than Content-Length, a reset, a time-out while reading) is retried here
with the same back-off: `Retry` only covers a request up to its headers.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pipeline.sources.vlpar.config import FailureKind, FetchConfig

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
CHUNK = 1 << 16
HEAD_BYTES = 8  # enough for every magic number files.py checks


class FetchError(Exception):
    """One request that failed for good: its kind and a message naming the URL."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Download:
    """A file body streamed to disk (status 200), or the server's word that ours is current (304)."""

    url: str  # after redirects
    status: int
    content_type: str
    sha256: str
    size: int
    head: bytes  # the first bytes, for the magic number
    etag: str | None
    last_modified: str | None


class Client:
    """A session of at most `config.connections` connections; use as a context manager."""

    def __init__(self, config: FetchConfig) -> None:
        self.config = config
        self.session = requests.Session()
        self.session.headers["User-Agent"] = config.user_agent
        retry = _retry_class(config.sleep, config.retry_after_max_s)(
            total=config.retries,
            connect=config.retries,
            read=config.retries,
            status=config.retries,
            redirect=False,  # followed below, scheme checked
            other=0,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=config.backoff_s,
            backoff_max=config.backoff_max_s,
            backoff_jitter=config.jitter_s,
            respect_retry_after_header=True,
            raise_on_status=False,  # the last answer comes back and becomes a failure
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=1, pool_maxsize=config.connections, pool_block=True)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()

    def get_json(self, url: str) -> object:
        """The JSON body at `url`; anything else (XML, HTML, broken JSON) is a NOT_JSON FetchError."""
        chunks: list[bytes] = []
        download = self._fetch(url, {"Accept": "application/json"}, lambda: _MemorySink(chunks))
        body = b"".join(chunks)
        try:
            return json.loads(body)
        except ValueError:
            shown = body[:60].decode("utf-8", "replace")
            raise FetchError(
                FailureKind.NOT_JSON, f"{url} answered {download.content_type or 'no type'}, not JSON: {shown!r}"
            ) from None

    def download(self, url: str, part: Path, etag: str | None = None, last_modified: str | None = None) -> Download:
        """Stream `url` into `part` (fsynced); with validators a conditional GET, which may answer 304."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._fetch(url, headers, lambda: _FileSink(part))

    def _fetch(self, url: str, headers: dict[str, str], open_sink: Callable[[], _MemorySink | _FileSink]) -> Download:
        for attempt in range(self.config.retries + 1):
            self.config.sleep(self.config.pause_s)
            response = self._open(url, headers)
            with response:
                if response.status_code == 304:
                    return _download(response, 304, "", 0, b"")
                if response.status_code != 200:
                    raise FetchError(FailureKind.HTTP_STATUS, f"{response.url} answered {response.status_code}.")
                _check_length(response, self.config.max_bytes)
                try:
                    with open_sink() as sink:
                        digest, size, head = _read_body(response, sink, self.config.max_bytes)
                except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
                    if attempt == self.config.retries:
                        kind = FailureKind.TRUNCATED if "IncompleteRead" in str(exc) else FailureKind.NETWORK
                        raise FetchError(kind, f"{url}: the body broke off ({_reason(exc)}).") from None
                    self.config.sleep(self._backoff(attempt))
                    continue
                return _download(response, 200, digest, size, head)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _open(self, url: str, headers: dict[str, str]) -> requests.Response:
        """The response at the end of at most MAX_REDIRECTS http(s) redirects (headers only)."""
        for _ in range(MAX_REDIRECTS + 1):
            if urlsplit(url).scheme not in ("http", "https"):
                raise FetchError(FailureKind.BAD_URL, f"{url!r} is not an http(s) URL; it was not followed.")
            try:
                response = self.session.get(
                    url, headers=headers, stream=True, allow_redirects=False, timeout=self.config.timeout_s
                )
            except requests.exceptions.RequestException as exc:
                raise FetchError(FailureKind.NETWORK, f"{url}: {_reason(exc)}.") from None
            if not response.is_redirect:
                return response
            response.close()
            url = urljoin(url, response.headers.get("Location", ""))
        raise FetchError(FailureKind.BAD_URL, f"{url}: more than {MAX_REDIRECTS} redirects.")

    def _backoff(self, attempt: int) -> float:
        base = min(self.config.backoff_s * 2**attempt, self.config.backoff_max_s)
        return base + random.uniform(0, self.config.jitter_s)


class _MemorySink:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __enter__(self) -> _MemorySink:
        self.chunks.clear()  # a retried body starts again
        return self

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    def __exit__(self, *exc: object) -> None:
        pass


class _FileSink:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> _FileSink:
        self.handle: IO[bytes] = open(self.path, "wb")  # truncated: a retried body starts again
        return self

    def write(self, data: bytes) -> None:
        self.handle.write(data)

    def __exit__(self, *exc: object) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()


def _read_body(response: requests.Response, sink: _MemorySink | _FileSink, max_bytes: int) -> tuple[str, int, bytes]:
    digest = hashlib.sha256()
    size = 0
    head = b""
    for chunk in response.iter_content(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(FailureKind.TOO_LARGE, f"{response.url} is larger than {max_bytes} bytes; cut off.")
        if len(head) < HEAD_BYTES:
            head = (head + chunk)[:HEAD_BYTES]
        digest.update(chunk)
        sink.write(chunk)
    return digest.hexdigest(), size, head


def _check_length(response: requests.Response, max_bytes: int) -> None:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            FailureKind.TOO_LARGE, f"{response.url} declares {declared} bytes, over the limit of {max_bytes}."
        )


def _download(response: requests.Response, status: int, digest: str, size: int, head: bytes) -> Download:
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return Download(
        url=response.url,
        status=status,
        content_type=content_type,
        sha256=digest,
        size=size,
        head=head,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )


def _retry_class(sleep: Callable[[float], None], cap_s: float) -> type[Retry]:
    """urllib3's Retry, waiting through `sleep` (tests record instead of sleeping), Retry-After cut to `cap_s`."""

    class _Retry(Retry):
        def sleep(self, response: object = None) -> None:
            wait = self.get_retry_after(response) if response is not None else None  # type: ignore[arg-type]
            if wait is None:
                wait = self.get_backoff_time()
            if wait > 0:
                sleep(min(wait, cap_s))

    return _Retry


def _reason(exc: BaseException) -> str:
    # requests nests urllib3's error several levels deep; the innermost says what happened
    while exc.args and isinstance(exc.args[0], BaseException):
        exc = exc.args[0]
    return str(exc) or type(exc).__name__
