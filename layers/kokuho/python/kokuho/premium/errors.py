"""Errors of the premium engine. Messages name fields and years, never a person's My Number."""

from __future__ import annotations


class CaseError(ValueError):
    """An invalid premium case: `field` is the dotted path of the offending value
    (e.g. ``household.members[0].income.total``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = message


class RateFileError(ValueError):
    """The fiscal year cannot be assessed: its rate file (保険料率) is missing or incomplete."""

    def __init__(self, fiscal_year: int, message: str) -> None:
        super().__init__(message)
        self.fiscal_year = fiscal_year
