"""What validation checks against besides the results: reference data and the day of the run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from schemas import DatasetSchema, load_schema

# Tables whose rows are validated; application_themes and application_municipalities rows belong
# to their application (a bad one removes it).
ROW_TABLES = ("documents", "sections", "applications", "application_themes", "application_municipalities")


@dataclass(frozen=True)
class ValidationContext:
    """Everything the checks depend on besides the results: no clock or file reads inside checks."""

    is_valid_code: Callable[[str, dt.date], bool]  # NIS code exists on that date
    province_of: Callable[[str, dt.date], str | None]  # its province then (None: Brussels)
    themes: tuple[str, ...]  # the theme vocabulary ids
    today: dt.date
    schema: DatasetSchema = field(default_factory=load_schema)

    def __post_init__(self) -> None:
        if not callable(self.is_valid_code) or not callable(self.province_of):
            raise TypeError("is_valid_code and province_of must be callables")
        if not self.themes or len(set(self.themes)) != len(self.themes):
            raise ValueError("themes must be a non-empty tuple of distinct ids")
        if type(self.today) is not dt.date:
            raise TypeError("today must be a datetime.date")
        missing = set(ROW_TABLES) - set(self.schema.tables)
        if missing:
            raise ValueError(f"schema lacks tables {sorted(missing)}")
