"""Pure judgements: provision requests, transfers, retention dates, field allow-lists."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kokuho.linkage.crypto import KeyPair, generate_signing_key, key_id, sign_permit
from kokuho.linkage.fields import InvalidFields, select_allowed, validate_fields
from kokuho.linkage.permitted_list import load_permitted_list
from kokuho.linkage.provision import ProvisionRequest, Reason, judge_request
from kokuho.linkage.retention import latest_purgeable_day, record_purge_date
from kokuho.linkage.transfers import Application, judge_application, judge_transfer, load_matrix

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PRIV, PUB = generate_signing_key()
KEY = KeyPair.generate().public_b64


def request(item: str = "2", kind: str = "全国健康保険協会", **permit_over: Any) -> ProvisionRequest:
    permit: dict[str, Any] = {"permit_id": "P1", "requester_body": "協会福岡", "requester_kind": kind,
                              "requester_key_id": key_id(KEY),
                              "provider_body": "北九州市", "item": item, "code": "CODEA",
                              "issued_at": NOW.isoformat(), "expires_at": (NOW + timedelta(hours=1)).isoformat()}
    permit.update(permit_over)
    permit["signature"] = sign_permit(PRIV, permit)
    return ProvisionRequest.model_validate({
        "request_id": "R1", "requester_body": "協会福岡", "requester_kind": kind, "item": item, "code": "CODEA",
        "requester_public_key": KEY, "requested_at": NOW.isoformat(), "permit": permit})


def judge(req: ProvisionRequest, known: bool = True, now: datetime = NOW) -> Reason | None:
    return judge_request(req, load_permitted_list(), "北九州市", PUB, now, known).reason


def test_accepted_request_and_its_approval_need() -> None:
    v = judge_request(request(), load_permitted_list(), "北九州市", PUB, NOW, True)
    assert v.accepted and not v.needs_approval
    v = judge_request(request("158", "都道府県知事"), load_permitted_list(), "北九州市", PUB, NOW, True)
    assert v.accepted and v.needs_approval


def test_refusal_reasons_in_order() -> None:
    assert judge(request("999")) is Reason.UNKNOWN_ITEM
    assert judge(request("5", "厚生労働大臣")) is Reason.ITEM_NOT_PROVIDED
    assert judge(request("2", "都道府県知事")) is Reason.WRONG_REQUESTER
    assert judge(request().model_copy(update={"permit": None})) is Reason.MISSING_PERMIT
    assert judge(request(provider_body="福岡市")) is Reason.PERMIT_MISMATCH
    assert judge(request(code="OTHER")) is Reason.PERMIT_MISMATCH
    assert judge(request(), now=NOW + timedelta(hours=2)) is Reason.PERMIT_EXPIRED
    assert judge(request(), known=False) is Reason.UNKNOWN_CODE
    bad_key = request().model_copy(update={"requester_public_key": "short"})
    assert judge(bad_key) is Reason.INVALID_KEY
    substituted = request().model_copy(update={"requester_public_key": KeyPair.generate().public_b64})
    assert judge(substituted) is Reason.KEY_MISMATCH  # only the key the network holds for the requester


def test_a_permit_signed_by_anyone_else_is_invalid() -> None:
    req = request()
    assert req.permit is not None
    other_signature = sign_permit(generate_signing_key()[0], req.permit.model_dump())
    forged = req.permit.model_copy(update={"signature": other_signature})
    assert judge(req.model_copy(update={"permit": forged})) is Reason.INVALID_PERMIT


def test_request_shape_is_strict() -> None:
    with pytest.raises(ValueError):
        ProvisionRequest.model_validate({**request().model_dump(), "my_number": "x"})


def test_select_allowed_and_validate() -> None:
    copy = {"insurer_number": "401000", "premium_paid": {"year": 2024, "amount": 1}, "qualification_status": "insured"}
    sent, missing = select_allowed(copy, ("insurer_number", "qualification_status", "qualification_lost_on"))
    assert sent == {"insurer_number": "401000", "qualification_status": "insured"}
    assert missing == ["qualification_lost_on"]
    with pytest.raises(InvalidFields, match="premium_paid"):
        validate_fields(copy, ("insurer_number", "qualification_status"))
    with pytest.raises(InvalidFields, match="premium_paid.amount"):
        validate_fields({"premium_paid": {"year": 2024, "amount": -1}})


# --- transfers ---------------------------------------------------------------------------------

def app(**over: Any) -> Application:
    base: dict[str, Any] = dict(application_id="A1", department="保健福祉局介護保険課",
                                information_kind="保険料賦課情報", applicant="K001",
                                purpose="保険料の特別徴収に関する事務", legal_basis="番号法第9条第2項",
                                valid_from=date(2026, 4, 1), valid_until=date(2027, 3, 31), status="approved",
                                approver="K900")
    base.update(over)
    return Application(**base)


def test_transfer_matrix_from_II_5() -> None:
    m = load_matrix()
    assert m.entry("保健福祉局介護保険課", "保険料賦課情報") is not None
    assert m.entry("保健福祉局介護保険課", "国民健康保険給付関係情報") is None
    kinds = {e.information_kind for e in m.entries if e.department == "保健福祉局保険年金課"}
    assert len(kinds) == 3  # 移転先2, 4, 8
    assert m.entry("保健福祉局障害福祉部精神保健・地域移行推進課",
                   "国民健康保険法施行規則第27条の13第4項の特定疾病療養受療証に関する情報") is not None


def test_transfer_judgement() -> None:
    m, today = load_matrix(), date(2026, 6, 1)
    ok = judge_transfer("保健福祉局介護保険課", "保険料賦課情報", 5000, app(), m, today)
    assert ok is None
    assert judge_transfer("保健福祉局介護保険課", "国民健康保険給付関係情報", 1, app(), m, today) == \
        "information kind is not the one listed for this department"
    assert judge_transfer("総務局", "保険料賦課情報", 1, app(), m, today) == "department is not a transfer recipient"
    assert judge_transfer("保健福祉局介護保険課", "保険料賦課情報", 1, None, m, today) == "no data-use application"
    assert judge_transfer("保健福祉局介護保険課", "保険料賦課情報", 1, app(status="applied", approver=None), m,
                          today) == "application is not approved"
    assert judge_transfer("保健福祉局介護保険課", "保険料賦課情報", 1, app(), m, date(2027, 4, 1)) == \
        "application is not valid today"
    assert judge_transfer("保健福祉局介護保険課", "保険料賦課情報", 0, app(), m, today) == \
        "a transfer names at least one subject"
    assert judge_transfer("保健福祉局保護課", "国民健康保険給付関係情報", 10_000,
                          app(department="保健福祉局保護課", information_kind="国民健康保険給付関係情報"), m, today) \
        is not None  # above the 1万人未満 band
    assert judge_application(app(purpose="目的外"), m) == "purpose is not a use listed for this department"


# --- retention -----------------------------------------------------------------------------------

def test_records_are_kept_seven_years() -> None:
    assert record_purge_date(date(2019, 7, 1)) == date(2026, 7, 1)
    assert record_purge_date(date(2020, 2, 29)) == date(2027, 3, 1)
    assert latest_purgeable_day(date(2026, 7, 1)) == date(2019, 7, 1)
    assert latest_purgeable_day(date(2028, 2, 29)) == date(2021, 2, 28)
    for d in (date(2019, 1, 1), date(2020, 2, 29), date(2021, 12, 31)):
        last = latest_purgeable_day(record_purge_date(d))
        assert last >= d  # on its purge date a record is within the purgeable range
        assert latest_purgeable_day(record_purge_date(d) - timedelta(days=1)) < d
