"""Qualification history (資格履歴): the periods of NHI membership of one person, and the pure rules
that accept or refuse a registered 取得 (acquisition) or 喪失 (loss).

Nothing is overwritten: each accepted change appends a period or closes the open one; the stored
history entries (who, when, why) are written next to it and never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from kokuho.qualification.reasons import (
    ACQUISITION_REASONS,
    LOSS_REASONS,
    Reason,
    effective_date,
    late_elderly_date,
)

# 転出届 may be given up to 14 days before the move (住民基本台帳法 第24条 practice): later dates are typos.
MAX_DAYS_AHEAD = 14


class ChangeRejected(ValueError):
    """A change the file cannot accept; the message is a reason for the clerk (no personal data). `read`: the persons
    whose data the refusal read and answered from (the refused attempt's access record names them too)."""

    def __init__(self, message: str = "", *, read: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.read = tuple(read)


@dataclass(frozen=True)
class Period:
    """One period of membership: `until` is the loss date (exclusive) or None while insured."""

    acquired_on: date
    acquire_reason: Reason
    until: date | None = None
    lose_reason: Reason | None = None

    def covers(self, day: date) -> bool:
        return self.acquired_on <= day and (self.until is None or day < self.until)

    def to_dict(self) -> dict[str, str | None]:
        return {
            "acquired_on": self.acquired_on.isoformat(), "acquire_reason": self.acquire_reason.value,
            "until": self.until.isoformat() if self.until else None,
            "lose_reason": self.lose_reason.value if self.lose_reason else None,
        }

    @staticmethod
    def from_dict(d: dict[str, str | None]) -> Period:
        until, lose_reason = d.get("until"), d.get("lose_reason")
        return Period(
            acquired_on=date.fromisoformat(str(d["acquired_on"])), acquire_reason=Reason(str(d["acquire_reason"])),
            until=date.fromisoformat(until) if until else None,
            lose_reason=Reason(lose_reason) if lose_reason else None,
        )


def is_insured(periods: tuple[Period, ...], on: date) -> bool:
    return any(p.covers(on) for p in periods)


def open_period(periods: tuple[Period, ...]) -> Period | None:
    return periods[-1] if periods and periods[-1].until is None else None


def _check_cause_date(cause_on: date, birth_date: date, death_date: date | None, today: date) -> None:
    if cause_on < birth_date:
        raise ChangeRejected("the date of the cause is before the birth date")
    if cause_on > today + timedelta(days=MAX_DAYS_AHEAD):
        raise ChangeRejected(f"the date of the cause is more than {MAX_DAYS_AHEAD} days ahead")
    if death_date is not None and cause_on > death_date:
        raise ChangeRejected("the date of the cause is after the date of death")


def acquire(periods: tuple[Period, ...], reason: Reason, cause_on: date, *, birth_date: date,
            death_date: date | None, today: date) -> tuple[tuple[Period, ...], date]:
    """Append a period for an acquisition (取得); returns the new periods and the acquisition date."""
    if reason not in ACQUISITION_REASONS:
        raise ChangeRejected("that reason is not a reason of acquisition")
    _check_cause_date(cause_on, birth_date, death_date, today)
    if death_date is not None:
        raise ChangeRejected("a deceased person cannot acquire qualification")
    if reason is Reason.BIRTH and cause_on != birth_date:
        raise ChangeRejected("an acquisition by birth must be on the birth date")
    on = effective_date(reason, cause_on)
    if on >= late_elderly_date(birth_date):
        raise ChangeRejected("from the 75th birthday the person belongs to 後期高齢者医療, not NHI")
    if open_period(periods) is not None:
        raise ChangeRejected("the person is already insured")
    if periods and periods[-1].until is not None and on < periods[-1].until:
        raise ChangeRejected("the acquisition date overlaps an earlier period")
    return (*periods, Period(on, reason)), on


def lose(periods: tuple[Period, ...], reason: Reason, cause_on: date, *, birth_date: date,
         death_date: date | None, today: date) -> tuple[tuple[Period, ...], date]:
    """Close the open period for a loss (喪失); returns the new periods and the loss date."""
    if reason not in LOSS_REASONS:
        raise ChangeRejected("that reason is not a reason of loss")
    _check_cause_date(cause_on, birth_date, death_date if reason is not Reason.DEATH else None, today)
    if reason is Reason.DEATH and cause_on > today:  # a 転出 may be notified ahead; a death cannot
        raise ChangeRejected("the date of death is in the future")
    if reason is Reason.LATE_ELDERLY and cause_on != late_elderly_date(birth_date):
        raise ChangeRejected("the move to 後期高齢者医療 is on the 75th birthday")
    current = open_period(periods)
    if current is None:
        raise ChangeRejected("the person is not insured")
    on = effective_date(reason, cause_on)
    if on < current.acquired_on:
        raise ChangeRejected("the loss date is before the acquisition date")
    closed = replace(current, until=on, lose_reason=reason)
    return (*periods[:-1], closed), on


