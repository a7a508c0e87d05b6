"""Reasons of acquisition (取得事由) and loss (喪失事由) of NHI qualification, and the date each one
makes effective — domain.md "Acquisition and loss dates" (国民健康保険法 第7条・第8条). Pure.

Acquisition is on the day the cause arises; loss on the day after the cause, except where the loss
is on the day itself (生活保護開始日, and the 75th birthday for 後期高齢者医療).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class Event(StrEnum):
    ACQUIRE = "acquire"  # 取得
    LOSE = "lose"  # 喪失


class Reason(StrEnum):
    MOVE_IN = "move_in"  # 転入
    LEFT_EMPLOYEE_INSURANCE = "left_employee_insurance"  # 社保離脱
    BIRTH = "birth"  # 出生
    WELFARE_ENDED = "welfare_ended"  # 生保廃止
    MOVE_OUT = "move_out"  # 転出
    JOINED_EMPLOYEE_INSURANCE = "joined_employee_insurance"  # 社保加入
    DEATH = "death"  # 死亡
    LATE_ELDERLY = "late_elderly"  # 後期高齢者医療移行
    WELFARE_STARTED = "welfare_started"  # 生保開始


LABELS: dict[Reason, str] = {
    Reason.MOVE_IN: "転入", Reason.LEFT_EMPLOYEE_INSURANCE: "社保離脱", Reason.BIRTH: "出生",
    Reason.WELFARE_ENDED: "生保廃止", Reason.MOVE_OUT: "転出", Reason.JOINED_EMPLOYEE_INSURANCE: "社保加入",
    Reason.DEATH: "死亡", Reason.LATE_ELDERLY: "後期高齢者医療移行", Reason.WELFARE_STARTED: "生保開始",
}

ACQUISITION_REASONS = frozenset(
    {Reason.MOVE_IN, Reason.LEFT_EMPLOYEE_INSURANCE, Reason.BIRTH, Reason.WELFARE_ENDED})
LOSS_REASONS = frozenset({Reason.MOVE_OUT, Reason.JOINED_EMPLOYEE_INSURANCE, Reason.DEATH,
                          Reason.LATE_ELDERLY, Reason.WELFARE_STARTED})
# Loss on the day of the cause itself, not the day after (domain.md exceptions).
LOSS_ON_THE_DAY = frozenset({Reason.WELFARE_STARTED, Reason.LATE_ELDERLY})


def event_of(reason: Reason) -> Event:
    return Event.ACQUIRE if reason in ACQUISITION_REASONS else Event.LOSE


def birthday(birth_date: date, age: int) -> date:
    """The Nth birthday; someone born on 29 February has it on 1 March in a common year
    (年齢計算ニ関スル法律: the age is reached at the end of 28 February, the birthday is the next day)."""
    try:
        return birth_date.replace(year=birth_date.year + age)
    except ValueError:
        return date(birth_date.year + age, 3, 1)


def late_elderly_date(birth_date: date) -> date:
    """後期高齢者医療 starts, and NHI is lost, on the 75th birthday."""
    return birthday(birth_date, 75)


def effective_date(reason: Reason, cause_on: date) -> date:
    """The acquisition or loss date a cause on `cause_on` makes effective.

    - 転入: 転入日; 出生: 出生日; 社保離脱: the employee-insurance loss date given as the cause
      (already the day after leaving); 生保廃止: 廃止日 — acquisition on the day itself.
    - 転出, 死亡, 社保加入: the day after (翌日); 生保開始 and 後期高齢者医療移行: the day itself.
    """
    if reason in ACQUISITION_REASONS or reason in LOSS_ON_THE_DAY:
        return cause_on
    return cause_on + timedelta(days=1)
