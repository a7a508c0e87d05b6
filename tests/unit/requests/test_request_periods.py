"""Requests from the person (assessment V): the legal period of 30 days from receipt, one extension of at
most 30 days with its reason and before the period ends, decisions with reasons, carrying out only what
was granted, and the inquiry log — pure rules (kokuho.requests.model)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kokuho.requests.model import (
    Outcome,
    RequestError,
    Status,
    answer_inquiry,
    carry_out,
    decide,
    extend,
    from_json,
    log_inquiry,
    receive,
)

D0 = date(2026, 4, 10)


def disclosure(on: date = D0) -> object:
    return receive("R-1", "P000123", "disclosure", on, "S0101", "個人番号カード")


def test_the_decision_is_due_30_days_after_receipt() -> None:
    req = disclosure()
    assert req.decide_by == date(2026, 5, 10) and req.status is Status.RECEIVED
    assert not req.overdue(date(2026, 5, 10)) and req.overdue(date(2026, 5, 11))


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.integers(1, 30))
def test_an_extension_adds_at_most_30_days_and_is_recorded(received: date, days: int) -> None:
    req = disclosure(received)
    longer = extend(req, req.decide_by + timedelta(days=days), "大量の記録の確認に時間を要するため", received, "S0102")
    assert longer.decide_by == received + timedelta(days=30 + days) and longer.status is Status.EXTENDED
    assert longer.extension is not None and longer.extension.reason.startswith("大量")


@pytest.mark.parametrize("until_days, on_days, reason, field", [
    (61, 1, "理由", "until"),       # more than 30 extra days
    (30, 1, "理由", "until"),       # not later than the period itself
    (45, 31, "理由", "on"),         # decided after the period ran out
    (45, 1, "  ", "reason"),        # no reason
])
def test_an_extension_outside_the_rules_is_refused(until_days: int, on_days: int, reason: str, field: str) -> None:
    with pytest.raises(RequestError) as err:
        extend(disclosure(), D0 + timedelta(days=until_days), reason, D0 + timedelta(days=on_days), "S0102")
    assert err.value.field == field


def test_one_extension_only() -> None:
    once = extend(disclosure(), D0 + timedelta(days=40), "理由", D0, "S0102")
    with pytest.raises(RequestError, match="once"):
        extend(once, D0 + timedelta(days=50), "理由", D0, "S0102")


def test_a_refusal_needs_its_reason_and_closes_the_request() -> None:
    with pytest.raises(RequestError) as err:
        decide(disclosure(), "refused", D0, "S0103")
    assert err.value.field == "reason"
    closed = decide(disclosure(), "refused", D0, "S0103", "請求に係る保有個人情報が存在しないため")
    assert closed.status is Status.CLOSED
    with pytest.raises(RequestError, match="only a granted request"):
        carry_out(closed, D0, "S0103", {})


def test_a_late_decision_is_recorded_as_late() -> None:
    late = decide(disclosure(), "granted", D0 + timedelta(days=31), "S0103")
    assert late.decision is not None and late.decision.late
    on_time = decide(extend(disclosure(), D0 + timedelta(days=60), "理由", D0, "S0102"), "granted",
                     D0 + timedelta(days=59), "S0103")
    assert on_time.decision is not None and not on_time.decision.late


def test_carried_out_once_after_the_decision_and_round_trips() -> None:
    granted = decide(disclosure(), "partial", D0 + timedelta(days=5), "S0103", "第三者の情報を含む部分を除く")
    done = carry_out(granted, D0 + timedelta(days=6), "S0104", {"pdf_sha256": "ab"})
    assert done.status is Status.CARRIED_OUT and done.decision and done.decision.outcome is Outcome.PARTIAL
    with pytest.raises(RequestError, match="already"):
        carry_out(done, D0 + timedelta(days=7), "S0104", {})
    assert from_json(done.to_json()) == done
    with pytest.raises(RequestError, match="before the decision"):
        carry_out(granted, D0 + timedelta(days=4), "S0104", {})


@pytest.mark.parametrize("kind, details, field", [
    ("opening", {}, "kind"),
    ("correction", {"field": "birth_date", "birth_date": "2000-01-01"}, "details.field"),
    ("correction", {"field": "name", "name_kanji": "山田 花子"}, "details.name_kana"),
    ("correction", {"field": "name", "name_kanji": "山田 花子", "name_kana": "ﾔﾏﾀﾞ ﾊﾅｺ", "income": 1}, "details.income"),
    ("suspension", {"categories": ["everything"], "grounds": "x"}, "details.categories"),
    ("suspension", {"categories": ["linkage"]}, "details.grounds"),
    ("disclosure", {"scope": "1234 5678 9018 の記録"}, "details.scope"),  # a My Number in free text
], ids=["kind", "field", "missing-kana", "unknown", "category", "grounds", "my-number"])  # no number in an id
def test_a_malformed_request_is_refused_naming_the_field(kind: str, details: dict[str, object], field: str) -> None:
    with pytest.raises(RequestError) as err:
        receive("R-1", "P000123", kind, D0, "S0101", "運転免許証", details)
    assert err.value.field == field


def test_an_unknown_verification_is_refused() -> None:
    with pytest.raises(RequestError) as err:
        receive("R-1", "P000123", "disclosure", D0, "S0101", "口頭で名乗った")
    assert err.value.field == "verification"


def test_inquiries_are_logged_with_dates_and_answered_once() -> None:
    q = log_inquiry("Q-1", D0, "S0101", "電話", "自分の情報が誰に見られたか知りたい", "P000123")
    a = answer_inquiry(q, "開示請求の手続を案内した", D0 + timedelta(days=1), "S0105")
    assert a.answered_on == D0 + timedelta(days=1) and a.answer
    with pytest.raises(RequestError, match="already answered"):
        answer_inquiry(a, "再回答", D0 + timedelta(days=2), "S0105")
    with pytest.raises(RequestError) as err:
        log_inquiry("Q-2", D0, "S0101", "伝書鳩", "質問")
    assert err.value.field == "channel"
