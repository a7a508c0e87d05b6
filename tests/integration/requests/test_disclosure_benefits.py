"""Auditor's probe of 開示 (assessment V, 個人情報の保護に関する法律 第76条): the system now holds the person's
receipts (レセプト), 高額療養費 payments, 療養費等 claims, 特定健診受診券 and 医療費通知 wish, yet the disclosure's
給付 section was always empty and told the person "この制度で保有する給付の記録はありません". Now it lists what is
held of the person, and only of the person (not the spouse's)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from test_requests_workflow import DESK, TODAY, household  # noqa: F401  # the fixture, used below

from kokuho.access.records import Actor
from kokuho.benefits.payment import BenefitPayment, HouseholdPlan
from kokuho.collection.ports import RefundAccount
from kokuho.records.benefit_payments import DynamoBenefitPaymentStore
from kokuho.records.health import OptOutModel, VoucherModel
from kokuho.records.receipts import PersonMonthModel
from kokuho.requests import workflow

SYSTEM = Actor("system:test", "t", "test")


def _held_of(pid: str, month: str, cost: int, copay: int) -> None:
    pk, sk = PersonMonthModel.key(pid, (int(month[:4]), int(month[5:])))
    PersonMonthModel(pk, sk, person_id=pid, service_month=month, receipt_count=1,
                     receipts=[{"provider_code": "4010000001", "setting": "outpatient", "points": cost // 10,
                                "total_cost": cost, "copay": copay, "file_digest": "x", "line": 1}]).save()


@pytest.mark.usefixtures("household")
def test_the_disclosure_lists_the_persons_benefit_and_health_records(tmp_path: Path) -> None:
    _held_of("P0001", "2026-02", 123_450, 37_030)
    _held_of("P0002", "2026-02", 99_990, 29_990)  # the spouse's: never in P0001's disclosure
    pk, sk = VoucherModel.key("P0001", 2025)
    VoucherModel(pk, sk, person_id="P0001", fiscal_year=2025, number="25000000017", issued_on="2025-06-01",
                 valid_from="2025-06-01", valid_until="2026-03-31", copay=500, source="annual", used_on="2025-09-10",
                 gsi1pk="VOUCHER#2025", gsi1sk="25000000017").save()
    OptOutModel("PERSON#P0001", "OPTOUT#MEDICAL_COST_NOTICE", person_id="P0001", opted_out=True,
                received_on="2026-01-05", recorded_by="S0301").save()
    account = RefundAccount("0001", "002", "普通", "7654321", "キタキュウ タロウ", "申出口座")
    paid = BenefitPayment("BP-H0001-2025-10-1", "H0001", "2025-10", 58_000, 1, "2026-01-20", "P0001", account, "A-1")
    DynamoBenefitPaymentStore().commit(HouseholdPlan("H0001", payments=[paid]), [], on=date(2026, 1, 20),
                                       persons=["P0001"], actor=SYSTEM, chain="test")

    workflow.receive_request(DESK, "R-0009", "P0001", "disclosure", TODAY, "個人番号カード", {"scope": "全て"})
    workflow.decide_request(DESK, "P0001", "R-0009", "granted", TODAY + timedelta(days=1))
    _, out = workflow.carry_out_request(DESK, "P0001", "R-0009", TODAY + timedelta(days=2), tmp_path)
    assert out.json_path is not None
    section = json.loads(out.json_path.read_text("utf-8"))["給付"]
    kinds = [(r["種別"], r["日付"]) for r in section["記録"]]
    assert ("レセプト", "2026-02") in kinds and ("高額療養費の支給", "2026-01-20") in kinds
    assert ("特定健診受診券", "2025-06-01") in kinds and ("医療費通知の送付希望", "2026-01-05") in kinds
    receipt = next(r for r in section["記録"] if r["種別"] == "レセプト")
    assert (receipt["内容"]["医療費"], receipt["内容"]["一部負担金"]) == (123_450, 37_030)
    text = out.json_path.read_text("utf-8")
    assert "99990" not in text and "7654321" not in text  # the spouse's receipt; the account only masked
    assert "保有する給付の記録はありません" not in text
