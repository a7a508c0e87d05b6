"""In-city transfers (kokuho.linkage.transfers) on the in-memory fake of their port
(tests/fakes/transfer_store.py): no moto. On the embedded AWS: tests/integration/linkage/
test_linkage_federation_and_transfers.py and the monthly run's transfer (tests/e2e/)."""

from __future__ import annotations

from datetime import date

import pytest
from fakes.transfer_store import InMemoryTransferStore

from kokuho.access.actor import Actor
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
        approve_application("APP-1", Actor("K001", "T", "self"), store=store)
    with pytest.raises(ApplicationRejected, match="person"):
        approve_application("APP-1", Actor("system:monthly", "run", "batch"), store=store)
    assert approve_application("APP-1", APPROVER, store=store).approver == "K900"
    with pytest.raises(ApplicationRejected, match="not awaiting approval"):  # approved once
        approve_application("APP-1", APPROVER, store=store)
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
    approve_application("APP-1", APPROVER, store=store)
    revoke_application("APP-1", store=store)
    with pytest.raises(TransferRefused, match="not approved"):
        record_transfer(CARE, LEVY, 1, "APP-1", OFFICER, today=TODAY, store=store)
    with pytest.raises(ApplicationRejected, match="no such application"):
        revoke_application("APP-9", store=store)
    with pytest.raises(ApplicationRejected, match="no such application"):
        approve_application("APP-9", APPROVER, store=store)


def test_a_batch_finds_its_standing_application_and_records_a_transfer_id_once() -> None:
    store = InMemoryTransferStore()
    for app_id, until in (("APP-A", date(2026, 12, 31)), ("APP-B", date(2027, 3, 31)), ("APP-C", date(2027, 6, 30))):
        _submit(store, app_id, valid_until=until)
    approve_application("APP-A", APPROVER, store=store)
    approve_application("APP-B", APPROVER, store=store)  # APP-C is not approved: never chosen
    assert approved_application_id(CARE, LEVY, TODAY, store=store) == "APP-B"  # the latest-ending valid one
    assert approved_application_id(CARE, LEVY, date(2027, 4, 1), store=store) is None
    first = record_transfer(CARE, LEVY, 10, "APP-B", OFFICER, today=TODAY, transfer_id="run-1", store=store)
    again = record_transfer(CARE, LEVY, 99, "APP-B", OFFICER, today=TODAY, transfer_id="run-1", store=store)
    assert again == first and len(transfers_to(CARE, store=store)) == 1  # a retried step: the first stands
