"""In-city transfers (kokuho.linkage.transfers) on the in-memory fake of their port
(tests/fakes/transfer_store.py): no moto. On the embedded AWS: tests/integration/linkage/
test_linkage_federation_and_transfers.py and the monthly run's transfer (tests/e2e/)."""

from __future__ import annotations

from datetime import date

import pytest
from fakes.access_records import InMemoryAccessRecords
from fakes.access_stores import InMemoryStaffStore
from fakes.transfer_store import InMemoryTransferStore

from kokuho.access.actor import Actor
from kokuho.access.staff import Grant, StaffMember
from kokuho.linkage.transfers import (
    Application,
    ApplicationRejected,
    TransferRefused,
    approve_application,
    approved_application_id,
    record_transfer,
    revoke_application,
    submit_application,
    transfers_to,
)

CARE, LEVY = "保健福祉局介護保険課", "保険料賦課情報"
OFFICER = Actor("K002", "T-KAIGO-02", "保険料の特別徴収に関する事務")
APPROVER = Actor("K900", "T-KAIGO-01", "データ利用申請の承認")
TODAY = date(2026, 11, 30)


def _staff(*granted: str, until: date = date(2099, 3, 31)) -> InMemoryStaffStore:
    staff = InMemoryStaffStore()
    for staff_id in ("K001", "K900", "K901"):
        staff.put_staff(StaffMember(staff_id, "承認 太郎", "保険年金課", date(2020, 4, 1), None))
    for staff_id in granted:
        staff.put_grant(Grant(staff_id, "G-APP", "approve_transfer_application", "データ利用申請の承認",
                              "個人情報保護法第69条", "保険年金課", date(2020, 4, 1), until, "S9001",
                              "2020-04-01T09:00:00+09:00"))
    return staff


STAFF, RECORDS = _staff("K001", "K900"), InMemoryAccessRecords()


def approve(app_id: str, approver: Actor, store: InMemoryTransferStore) -> Application:
    return approve_application(app_id, approver, store=store, staff=STAFF, records=RECORDS)


def _submit(store: InMemoryTransferStore, app_id: str, **over: object) -> Application:
    fields: dict[str, object] = dict(application_id=app_id, department=CARE, information_kind=LEVY, applicant="K001",
                                     purpose="保険料の特別徴収に関する事務", legal_basis="番号法第9条第2項",
                                     valid_from=date(2026, 4, 1), valid_until=date(2027, 3, 31))
    fields.update(over)
    return submit_application(Application(**fields), store=store)  # type: ignore[arg-type]


def test_a_transfer_needs_an_approved_application_and_every_outcome_is_recorded() -> None:
    store = InMemoryTransferStore()
    _submit(store, "APP-1")
    with pytest.raises(TransferRefused, match="not approved"):
        record_transfer(CARE, LEVY, 120, "APP-1", OFFICER, today=TODAY, store=store)
    with pytest.raises(ApplicationRejected, match="applicant"):
        approve("APP-1", Actor("K001", "T", "self"), store)
    with pytest.raises(ApplicationRejected, match="person"):
        approve("APP-1", Actor("system:monthly", "run", "batch"), store)
    assert approve("APP-1", APPROVER, store).approver == "K900"
    with pytest.raises(ApplicationRejected, match="not awaiting approval"):  # approved once
        approve("APP-1", APPROVER, store)
    rec = record_transfer(CARE, LEVY, 120, "APP-1", OFFICER, today=TODAY, store=store)
    assert (rec.department, rec.subject_count, rec.actor) == (CARE, 120, "K002")
    log = transfers_to(CARE, store=store)
    assert [(t["outcome"], t["reason"]) for t in log] == [("refused", "application is not approved"),
                                                         ("transferred", None)]


def test_an_application_is_submitted_once_inside_the_matrix_and_revoking_stops_transfers() -> None:
    store = InMemoryTransferStore()
    _submit(store, "APP-1")
    with pytest.raises(ApplicationRejected, match="exists"):
        _submit(store, "APP-1")
    with pytest.raises(ApplicationRejected, match="not in the transfer matrix"):
        _submit(store, "APP-X", department="総務局総務課")
    assert store.applications["APP-1"].status == "applied"
    approve("APP-1", APPROVER, store)
    revoke_application("APP-1", store=store)
    with pytest.raises(TransferRefused, match="not approved"):
        record_transfer(CARE, LEVY, 1, "APP-1", OFFICER, today=TODAY, store=store)
    with pytest.raises(ApplicationRejected, match="no such application"):
        revoke_application("APP-9", store=store)
    with pytest.raises(ApplicationRejected, match="no such application"):
        approve("APP-9", APPROVER, store)


def test_a_batch_finds_its_standing_application_and_records_a_transfer_id_once() -> None:
    store = InMemoryTransferStore()
    for app_id, until in (("APP-A", date(2026, 12, 31)), ("APP-B", date(2027, 3, 31)), ("APP-C", date(2027, 6, 30))):
        _submit(store, app_id, valid_until=until)
    approve("APP-A", APPROVER, store)
    approve("APP-B", APPROVER, store)  # APP-C is not approved: never chosen
    assert approved_application_id(CARE, LEVY, TODAY, store=store) == "APP-B"  # the latest-ending valid one
    assert approved_application_id(CARE, LEVY, date(2027, 4, 1), store=store) is None
    first = record_transfer(CARE, LEVY, 10, "APP-B", OFFICER, today=TODAY, transfer_id="run-1", store=store)
    again = record_transfer(CARE, LEVY, 99, "APP-B", OFFICER, today=TODAY, transfer_id="run-1", store=store)
    assert again == first and len(transfers_to(CARE, store=store)) == 1  # a retried step: the first stands


def test_an_approval_needs_the_approvers_grant_and_a_refusal_is_recorded() -> None:
    """Deny by default: a member of staff without an active grant of approve_transfer_application (none, or one
    expired) approves nothing — refused before the application is even looked up, and recorded as denied."""
    store, records = InMemoryTransferStore(), InMemoryAccessRecords()
    _submit(store, "APP-1")
    for staff in (_staff(), _staff("K900", until=date(2021, 3, 31))):
        with pytest.raises(ApplicationRejected, match="refused"):
            approve_application("APP-1", APPROVER, store=store, staff=staff, records=records)
    with pytest.raises(ApplicationRejected, match="refused"):  # an unknown application: the same refusal
        approve_application("APP-9", APPROVER, store=store, staff=_staff(), records=records)
    assert store.applications["APP-1"].status == "applied"
    assert [(r.staff_id, r.terminal_id, r.subject_ids, r.operation, r.result) for r in records.by_staff("K900")] == [
        ("K900", "T-KAIGO-01", ["APPLICATION:APP-1"], "approve", "denied")] * 2 + [
        ("K900", "T-KAIGO-01", ["APPLICATION:APP-9"], "approve", "denied")]
    assert approve_application("APP-1", APPROVER, store=store, staff=_staff("K900"),
                               records=records).approver == "K900"
