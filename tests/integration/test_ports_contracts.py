"""One contract, two adapters, for the federation store, the vault store, the 符号 store and the
transfers store: the in-memory fakes the use cases' unit tests run on (tests/fakes/) and the pynamodb
adapters (kokuho.records.federation_store, .vault_store, .linkage_codes, .linkage_transfers) behave
alike where the use cases rely on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fakes.code_store import InMemoryCodeStore
from fakes.federation_store import InMemoryFederationStore
from fakes.transfer_store import InMemoryTransferStore
from fakes.vault import InMemoryVaultStore

from kokuho.access.actor import Actor
from kokuho.identity.vault_ports import ReviewItem, Sealed, StoredNumber, VaultConflict
from kokuho.linkage.federation_apply import INTAKE
from kokuho.linkage.federation_codec import ContinuityRow, build_file, parse_file

CLERK = Actor("S0001", "T1", "資格取得の届出")
SEALED = Sealed("Y2lwaGVy", "bm9uY2U=", "a2V5")  # opaque to the store


@pytest.fixture(params=["fake", "pynamodb"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "fake":
        yield "fake"
        return
    from kokuho_local.embedded import embedded_aws

    with embedded_aws():
        yield "pynamodb"


def federation_store(backend: str) -> Any:
    if backend == "fake":
        return InMemoryFederationStore()
    from kokuho.records.federation_store import PynamoFederationStore

    return PynamoFederationStore()


def vault_store(backend: str) -> Any:
    if backend == "fake":
        return InMemoryVaultStore()
    from kokuho.records.vault_store import PynamoVaultStore

    return PynamoVaultStore()


def test_federation_markers_records_and_carry_over(backend: str) -> None:
    s = federation_store(backend)
    parsed = parse_file(build_file("QUALCONT", "QC-C-1", [ContinuityRow("P1", "H1", "401000", date(2020, 4, 1),
                                                                        "move_in")], "400009", "401005",
                                   datetime(2026, 5, 2, tzinfo=UTC)))
    assert s.applied("QC-C-1") is None
    s.save_continuity(parsed.file_id, parsed.records[0])
    s.save_continuity(parsed.file_id, parsed.records[0])  # deterministic key: again is the same
    s.record_subjects_once(INTAKE, parsed, "incoming/x", 0, ["P1"], "federation_qualcont")
    s.record_subjects_once(INTAKE, parsed, "incoming/x", 0, ["P1"], "federation_qualcont")  # once
    s.mark_applied(parsed, "incoming/x")
    assert s.applied("QC-C-1") == (parsed.content_hash, 1)
    with pytest.raises(Exception):  # noqa: B017 - the marker is written once (condition fails)
        s.mark_applied(parsed, "incoming/x")
    s.save_carry_over("KG-C-1", {"household_id": "H7", "householder_id": "P7", "from_municipality": "401307",
                                 "to_municipality": "401005", "moved_on": "2026-02-01"}, "2025-09")
    s.save_carry_over("KG-C-1", {"household_id": "H7", "householder_id": "P7", "from_municipality": "401307",
                                 "to_municipality": "401005", "moved_on": "2026-02-01"}, "2025-06")
    assert s.carried_over_months("H7") == ["2025-06", "2025-09"]
    if backend == "fake":
        assert [a[1] for a in s.access] == [["P1"]]
    else:
        from kokuho.access.records import records_of_chain

        assert [list(r.subject_ids) for r in records_of_chain("FILE#QC-C-1")] == [["P1"]]


def test_vault_numbers_are_put_once_found_by_hash_and_held_for_review_once(backend: str) -> None:
    s = vault_store(backend)
    assert s.current("P1") is None and not s.has_number("P1")
    item = StoredNumber("P1", "digest-a", SEALED, "2026-05-01T00:00:00+00:00", "S0001")
    s.put_current(item, CLERK)
    with pytest.raises(VaultConflict):
        s.put_current(StoredNumber("P1", "digest-b", SEALED, "2026-05-02T00:00:00+00:00", "S0001"), CLERK)
    got = s.current("P1")
    assert got is not None and (got.person_id, got.digest, got.sealed) == ("P1", "digest-a", SEALED)
    assert s.has_number("P1") and s.holders("digest-a") == ["P1"] and s.holders("digest-b") == []
    review = ReviewItem("P2", "digest-a", "held_by_another_person", SEALED, "2026-05-03T00:00:00+00:00", "S0001")
    assert not s.review_exists("P2", "digest-a")
    s.put_review(review, CLERK)
    assert s.review_exists("P2", "digest-a")
    with pytest.raises(VaultConflict):
        s.put_review(review, CLERK)
    assert [(r.person_id, r.digest, r.reason, r.status) for r in s.review_list(10)] == [
        ("P2", "digest-a", "held_by_another_person", "open")]


def code_store(backend: str) -> Any:
    if backend == "fake":
        return InMemoryCodeStore()
    from kokuho.records.linkage_codes import PynamoCodeStore

    return PynamoCodeStore()


def test_codes_are_stored_once_and_found_both_ways(backend: str) -> None:
    s = code_store(backend)
    assert s.code_of("P1") is None and s.person_of_code("QX-1") is None
    assert s.put_once("P1", "QX-1", "2026-05-01T00:00:00+00:00", "network")
    assert not s.put_once("P1", "QX-2", "2026-05-02T00:00:00+00:00", "network")  # never replaced
    assert s.code_of("P1") == "QX-1" and s.person_of_code("QX-1") == "P1" and s.person_of_code("QX-2") is None
    s.record(CLERK, ["P1"], "linkage_code", "write")


def transfer_store(backend: str) -> Any:
    if backend == "fake":
        return InMemoryTransferStore()
    from kokuho.records.linkage_transfers import PynamoTransferStore

    return PynamoTransferStore()


def test_applications_and_transfers_are_kept_alike(backend: str) -> None:
    from kokuho.linkage.transfer_ports import TransferRow
    from kokuho.linkage.transfers import Application

    s = transfer_store(backend)
    app = Application("APP-1", "保健福祉局介護保険課", "保険料賦課情報", "K001", "保険料の特別徴収に関する事務",
                      "番号法第9条第2項", date(2026, 4, 1), date(2027, 3, 31))
    assert s.application("APP-1") is None and s.put_application(app) and not s.put_application(app)
    assert s.application("APP-1") == app and s.applications_for(app.department, app.information_kind) == [app]
    approved = s.approve("APP-1", "K900", "2026-05-01T00:00:00+00:00")
    assert approved == Application(**{**app.__dict__, "status": "approved", "approver": "K900",
                                      "approved_at": "2026-05-01T00:00:00+00:00"}) == s.application("APP-1")
    assert s.approve("APP-1", "K901", "2026-05-02T00:00:00+00:00") is None  # approved once
    assert s.approve("APP-9", "K900", "2026-05-02T00:00:00+00:00") is None
    assert s.revoke("APP-1") and not s.revoke("APP-9") and s.application("APP-1").status == "revoked"
    first = TransferRow("run-1", app.department, app.information_kind, 10, "APP-1", "system:x", "sfn", "transferred",
                        None, "2026-05-03T00:00:00.000+00:00", "monthly:run")
    assert s.put_transfer(first, once=True) == first
    assert s.put_transfer(TransferRow(**{**first.__dict__, "subject_count": 99}), once=True) == first
    refused = TransferRow("X2", app.department, app.information_kind, 1, None, "K002", "T1", "refused",
                          "no data-use application", "2026-05-02T00:00:00.000+00:00")
    s.put_transfer(refused, once=False)
    assert s.transfers_to(app.department) == [refused, first] and s.transfers_to("総務局総務課") == []
