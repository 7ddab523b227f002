"""How a fetch runs: one validated frozen config, built once at the edge (flows/fetch_command.py)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_API_BASE = "https://ws.vlpar.be"  # the documented service (docs: ../shared/spec/vlpar-api.md)
MAX_CONNECTIONS = 4  # what the service's users expect of a polite client
MIB = 1 << 20


class FailureKind(StrEnum):
    """Why one item (a window, a written question or one of its files) could not be fetched."""

    HTTP_STATUS = "http_status"  # an error status after the retries
    NETWORK = "network"  # resets, time-outs, refused connections after the retries
    TRUNCATED = "truncated"  # fewer bytes than Content-Length, after the retries
    NOT_JSON = "not_json"  # a detail or search page that is not JSON (XML, HTML)
    MISSING_FIELD = "missing_field"  # a record without a field the fetch needs
    BAD_ID = "bad_id"  # an id that is not digits, a parliamentary year that is not NNNN-NNNN
    BAD_URL = "bad_url"  # a file URL or a redirect that is not http(s)
    BAD_TYPE = "bad_type"  # a Content-Type that is none of the expected document types
    BAD_CONTENT = "bad_content"  # a body whose magic bytes do not match its type (an HTML error page)
    TOO_LARGE = "too_large"  # a body over the size limit
    WINDOW_TOO_FULL = "window_too_full"  # one day with 10,000 results or more: cannot be split


@dataclass(frozen=True)
class FetchConfig:
    """Where to fetch from and to, and how politely. `sleep` is injectable so tests record waits."""

    sources_dir: Path
    api_base: str = DEFAULT_API_BASE
    version: str = "0+unknown"  # parlq's version, for the User-Agent
    contact: str = ""  # a URL or address for the User-Agent, so the service's operators can reach whoever fetches
    connections: int = 2
    pause_s: float = 0.5  # before every request, per connection
    retries: int = 4  # after the first attempt, for status, network and body errors alike
    backoff_s: float = 1.0  # exponential back-off: backoff_s * 2**(attempt-1), plus jitter
    backoff_max_s: float = 60.0
    jitter_s: float = 1.0
    retry_after_max_s: float = 600.0  # a longer Retry-After is cut to this
    timeout_s: float = 60.0  # connect and read time-out of one request
    max_bytes: int = 200 * MIB  # one downloaded body
    page_size: int = 100  # results per search page (the service allows at most 100)
    split_at: int = 10_000  # a window whose count reaches this is halved
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources_dir", Path(self.sources_dir))
        object.__setattr__(self, "api_base", self.api_base.rstrip("/"))
        parts = urlsplit(self.api_base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"api base {self.api_base!r} must be an http(s) URL such as {DEFAULT_API_BASE}")
        if not 1 <= self.connections <= MAX_CONNECTIONS:
            raise ValueError(f"connections must be between 1 and {MAX_CONNECTIONS}")
        if self.pause_s < 0 or self.backoff_s < 0 or self.jitter_s < 0 or self.backoff_max_s < 0:
            raise ValueError("pause and back-off times cannot be negative")
        if self.retries < 0:
            raise ValueError("retries cannot be negative")
        if self.timeout_s <= 0:
            raise ValueError("timeout must be positive")
        if self.max_bytes < 1:
            raise ValueError("the download limit must be at least 1 byte")
        if not 1 <= self.page_size <= 100:
            raise ValueError("page size must be between 1 and 100")

    @property
    def user_agent(self) -> str:
        return f"parlq/{self.version}" + (f" (+{self.contact})" if self.contact else "")

    @property
    def vlpar_dir(self) -> Path:
        return self.sources_dir / "vlpar"


@dataclass(frozen=True)
class Window:
    """Publication dates, both inclusive."""

    since: dt.date
    until: dt.date

    def __post_init__(self) -> None:
        if self.since > self.until:
            raise ValueError(f"the window starts ({self.since}) after it ends ({self.until})")

    def halves(self) -> tuple[Window, Window]:
        """Two windows that together cover this one (it must span more than one day)."""
        middle = self.since + (self.until - self.since) // 2
        return Window(self.since, middle), Window(middle + dt.timedelta(days=1), self.until)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1
