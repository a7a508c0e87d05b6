"""Probe: the newer routers (benefits, claims, 滞納整理, notices, legal holds, 保健事業) typed their days as plain
`date`, which pydantic fills from a datetime at midnight ("2025-09-02T00:00:00") or a Unix time that falls on one
(1756771200): a 差止 'decided' from a timestamp, a repayment dated by a number. The qualification routes took only
"YYYY-MM-DD" (their IsoDate); every router now takes its days through the one type
(kokuho.identity.request_bodies.IsoDate): 422 naming the field, nothing written."""

from __future__ import annotations

import pytest
from qualification_helpers import benefit_household, call, item_counts

MIDNIGHT = 1756771200  # 2025-09-02T00:00:00Z
SHAPES = ["2025-09-02T00:00:00", MIDNIGHT, str(MIDNIGHT), "2025-09-02 00:00"]
ACCOUNT = {"bank_code": "0001", "branch_code": "002", "account_type": "普通", "account_number": "1234567",
           "holder_kana": "シケン　ハジメ"}
BODIES = [
    ("S1019", "/benefits/H1/withholdings", {"action": "withhold", "decision_id": "D1", "basis": "b"}, "on"),
    ("S1018", "/benefits/H1/applications", {"application_id": "A1", "months": ["2024-10"],
                                            "public_funds_account": True}, "received_on"),
    ("S1018", "/benefits/H1/other-claims", {"kind": "葬祭費", "person_id": "P1", "chief_mourner": "喪主",
                                            "account": ACCOUNT, "event_on": "2025-08-01"}, "funeral_on"),
    ("S1032", "/retention/holds/P1", {"action": "hold", "reason": "訴訟"}, "placed_on"),
]


@pytest.mark.parametrize("shape", SHAPES)
def test_a_day_is_a_yyyy_mm_dd_string_in_every_router(staffed: None, shape: object) -> None:
    benefit_household()
    before = item_counts("receipts", "requests")
    for staff, path, body, field in BODIES:
        status, out, _ = call("POST", path, staff_id=staff, body={**body, field: shape})
        assert status == 422 and field in str(out), (path, shape, out)
    for staff, path, field in (("S1018", "/benefits/H1", "as_of"), ("S1017", "/collection/arrears/H1/2024", "as_of"),
                               ("S1014", "/collection/notices/H1/2024", "issued_on")):
        status, out, _ = call("GET", path, staff_id=staff, query={field: str(shape)})
        assert status == 422 and field in str(out), (path, shape, out)
    assert item_counts("receipts", "requests") == before
