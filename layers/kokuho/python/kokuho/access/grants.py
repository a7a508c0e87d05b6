"""Per-function grants (アクセス権限) and their evaluation at request time — seed III-3 リスク2.

Deny by default. A grant works only while all of these hold on the day of the request (Asia/Tokyo):
it has begun (valid_from), it has not ended (valid_until: 必要な期間の満了日, inclusive), the member of
staff is still in post (active_until not passed: 退職), and still in the department the grant was given
for (異動). Because this is evaluated on every request, an expired grant or a moved or retired member
stops working at once — the "automatic deletion" (自動削除) of the assessment — without any job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from kokuho.access.staff import Grant, StaffMember
from kokuho.dates.tokyo import today_jst

if TYPE_CHECKING:
    from kokuho.access.ports import StaffStore


class Function(StrEnum):
    """The functions a grant can open (利用可能な機能)."""

    READ_QUALIFICATION = "read_qualification"  # 資格照会: search and read persons and households
    REGISTER_CHANGE = "register_change"  # 資格異動の登録 (取得・喪失・転居・世帯変更・氏名変更)
    ISSUE_CARD = "issue_card"  # 資格確認書の交付・回収
    SIMULATE_PREMIUM = "simulate_premium"  # 窓口試算
    LOOKUP_MY_NUMBER = "lookup_my_number"  # 個人番号による検索 (POST body only)
    REVEAL_MY_NUMBER = "reveal_my_number"  # 個人番号の表示 (purpose named, every reveal recorded)
    REGISTER_MY_NUMBER = "register_my_number"  # 個人番号の登録
    # 確認リストの確認・処理: numbers held because they differ or are held by another person. Not part of
    # registering, or the register grant alone would tell whether a number is held elsewhere.
    RESOLVE_MY_NUMBER_REVIEW = "resolve_my_number_review"
    REVIEW_PERMISSIONS = "review_permissions"  # 権限設定状況の一覧表
    APPROVE_LINKAGE_PROVISION = "approve_linkage_provision"  # 自動応答不可の提供内容確認 (III-6 リスク5)
    # アクセス記録の点検 (the security team): who accessed a person, what a member of staff accessed
    READ_ACCESS_RECORDS = "read_access_records"
    COLLECTION_READ = "collection_read"  # 収納情報の照会: the unmatched queue (未消込), arrears, 収納率
    COLLECTION_RECORD = "collection_record"  # 収納の記録: assign or return an unmatched payment, a refund's account
    # 開示・訂正・利用停止の請求 (assessment V), one grant per step so that no one member alone receives,
    # decides and carries out: 受付 (with how identity was verified), the desk's list and one request,
    # 決定 (grant, refuse, extend the period with its reason), 実施 (disclosure, correction, suspension mark)
    REQUESTS_RECEIVE = "requests_receive"
    REQUESTS_READ = "requests_read"
    REQUESTS_DECIDE = "requests_decide"
    REQUESTS_CARRY_OUT = "requests_carry_out"
    INQUIRY_LOG = "inquiry_log"  # 問い合わせの記録: log an inquiry, its answer, the log between two days
    ARREARS_ACTION = "arrears_action"  # 滞納整理: 催告, 納付相談, 分納誓約, 差押 recorded
    # 滞納整理の遡及入力承認 (the 係長): approve or refuse a measure entered late — never its own entrant's
    ARREARS_APPROVE = "arrears_approve"
    HEALTH_READ = "health_read"  # 保健事業の照会: a person's 医療費通知 wish, the 受診率
    HEALTH_RECORD = "health_record"  # 保健事業の記録: a person's wish about the 医療費通知 (opt out or back in)
    # 給付 (高額療養費): the household's benefits, payments and 返還金 read; an application (支給申請) recorded; a 差止
    # (国保法 第63条の2) decided — a decision of its own grant, never a clerk's recording
    BENEFITS_READ = "benefits_read"
    BENEFITS_RECORD = "benefits_record"
    BENEFITS_WITHHOLD = "benefits_withhold"
    # 療養費・出産育児一時金・葬祭費: the 支給・不支給の決定 of a claim (the amount, the payment) — its own grant,
    # not the clerk's who files the claim (BENEFITS_RECORD)
    BENEFITS_DECIDE = "benefits_decide"
    # 給付の遡及入力承認 (the 係長): approve or refuse a 支給申請 entered late — never its own entrant's
    BENEFITS_APPROVE = "benefits_approve"
    # 保存期間の停止 (legal hold): place or lift a hold that stops the retention purge for a named person
    LEGAL_HOLD = "legal_hold"
    # データ利用申請の承認: approving a department's application for an in-city transfer (kokuho.linkage.transfers)
    APPROVE_TRANSFER_APPLICATION = "approve_transfer_application"


class GrantState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    STAFF_INACTIVE = "staff_inactive"  # retired (退職) or moved to another department (異動)


def staff_in_post(member: StaffMember, on: date) -> bool:
    if member.kind != "individual":
        return False
    if on < member.active_from:
        return False
    return member.active_until is None or on <= member.active_until


def grant_state(grant: Grant, member: StaffMember | None, on: date) -> GrantState:
    """State of one grant on one day (pure)."""
    if member is None or not staff_in_post(member, on) or member.department != grant.department:
        return GrantState.STAFF_INACTIVE
    if on < grant.valid_from:
        return GrantState.NOT_YET_VALID
    if on > grant.valid_until:
        return GrantState.EXPIRED
    return GrantState.ACTIVE


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    grant: Grant | None = None

    @property
    def purpose(self) -> str:
        return self.grant.purpose if self.grant else "denied"


def decide(
    member: StaffMember | None,
    grants: Sequence[Grant],
    function: Function | str,
    on: date,
    *,
    purpose: str | None = None,
) -> Decision:
    """Allow when an active grant of the function exists (and, if `purpose` is named, for that purpose)."""
    if member is None:
        return Decision(False, "unknown member of staff")
    if not staff_in_post(member, on):
        return Decision(False, "member of staff is not in post")
    candidates = [g for g in grants if g.function == str(function)]
    if not candidates:
        return Decision(False, f"no grant of {function}")
    active = [g for g in candidates if grant_state(g, member, on) is GrantState.ACTIVE]
    if not active:
        return Decision(False, f"the grant of {function} is not active")
    if purpose is not None:
        named = [g for g in active if g.purpose and g.purpose == purpose]
        if not named:
            return Decision(False, f"no active grant of {function} names that purpose")
        return Decision(True, "granted", named[0])
    return Decision(True, "granted", active[0])


def functions_allowed(member: StaffMember | None, grants: Iterable[Grant], on: date) -> set[str]:
    if member is None:
        return set()
    return {g.function for g in grants if grant_state(g, member, on) is GrantState.ACTIVE}


class PermissionDenied(Exception):
    """Raised when no active grant allows the request; the message names the function, never data."""


def authorize(staff_id: str, function: Function | str, *, purpose: str | None = None,
              on: date | None = None, store: StaffStore | None = None) -> Decision:
    """Load the member and grants (one read of the staff store) and decide."""
    from kokuho.access.staff import load_staff

    member, grants = load_staff(staff_id, store=store, function=str(function))  # decide reads no other grant
    return decide(member, grants, function, on or today_jst(), purpose=purpose)
