"""One contract, two adapters, for the federation store, the vault store, the 符号 store, the transfers
store and the exchanges store: the in-memory fakes the use cases' unit tests run on (tests/fakes/) and the
pynamodb adapters (kokuho.records.federation_store, .vault_store, .linkage_codes, .linkage_transfers,
.linkage_exchange) behave alike where the use cases rely on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fakes.code_store import InMemoryCodeStore
from fakes.exchange_store import InMemoryExchangeStore
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
    assert s.carried_over_months("P7") == ["2025-06", "2025-09"]
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


def test_vault_a_number_is_claimed_by_one_person_and_its_holder_found_in_a_batch(backend: str) -> None:
    s = vault_store(backend)
    assert s.claims_complete()  # a vault with no number yet: every number it will hold is claimed
    s.put_currents([StoredNumber(p, d, SEALED, "2026-05-01T00:00:00+00:00", "S0001")
                    for p, d in (("P1", "digest-a"), ("P2", "digest-b"))], CLERK)
    assert s.claimed(["digest-a", "digest-b", "digest-c"]) == {"digest-a": "P1", "digest-b": "P2"}
    with pytest.raises(VaultConflict):  # another person's number, whatever a lagging index says
        s.put_current(StoredNumber("P3", "digest-a", SEALED, "2026-05-02T00:00:00+00:00", "S0001"), CLERK)
    with pytest.raises(VaultConflict):  # one held number in a batch: nothing of the batch is written
        s.put_currents([StoredNumber(p, d, SEALED, "2026-05-02T00:00:00+00:00", "S0001")
                        for p, d in (("P4", "digest-d"), ("P5", "digest-b"))], CLERK)
    assert [s.current(p) for p in ("P3", "P4", "P5")] == [None, None, None]
    assert s.claimed(["digest-d"]) == {} and s.holders("digest-b") == ["P2"]


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


def exchange_store(backend: str) -> Any:
    if backend == "fake":
        return InMemoryExchangeStore()
    from kokuho.records.linkage_exchange import PynamoExchangeStore

    return PynamoExchangeStore()


def _state(request_id: str, permit_id: str, received_at: str = "2026-05-01T00:00:00.000+00:00") -> Any:
    from kokuho.linkage.exchange_ports import RequestState

    return RequestState(request_id, "received", "2", "REQ-BODY", "健康保険組合", "cHVi", permit_id, "P1",
                        received_at, "2026-04-30T23:59:00.000+00:00", 1_900_000_000)


def _record(record_id: str, request_id: str, outcome: str, at: str = "2026-05-01T00:00:01.000+00:00") -> Any:
    from kokuho.linkage.exchange_ports import ExchangeRecord

    return ExchangeRecord(record_id, "provision", "REQ-BODY", "401005", "2", "P1", request_id, "PM1", at,
                          None, outcome, None, "[]", '["insurer_number"]', None, at)


def test_exchange_keys_copies_and_records_are_kept_alike(backend: str) -> None:
    from kokuho.linkage.exchange_ports import StoredKey

    s = exchange_store(backend)
    city = StoredKey("cHVi", "2026-05-01T00:00:00.000+00:00", "Y3Q=", "alias/personal")
    assert s.key("CITY") is None and s.put_key("CITY", city, once=True)
    assert not s.put_key("CITY", StoredKey("b3RoZXI=", "2026-05-02T00:00:00.000+00:00"), once=True)
    assert s.key("CITY") == city
    s.put_key("NETWORK", StoredKey("bmV0", "x"), once=False)
    s.put_key("NETWORK", StoredKey("bmV3", "y"), once=False)  # a new trust anchor replaces the old
    assert s.key("NETWORK") == StoredKey("bmV3", "y")
    assert s.copy_of("P1") is None
    s.put_copy("P1", '{"insurer_number": "401000"}', "2026-05-01T00:00:00.000+00:00")
    assert s.copy_of("P1") == '{"insurer_number": "401000"}'
    old, new = _record("Rold", "REQ-1", "refused", "2019-03-31T20:00:00.000+00:00"), _record("Rnew", "REQ-1", "refused")
    assert s.put_record(old) and s.put_record(new) and not s.put_record(new)  # a record id is taken once
    assert sorted(s.records_for_request("REQ-1"), key=lambda r: r.record_id) == [new, old]
    assert list(s.records_of_month("2019-03", "2019-04-01")) == [old]
    assert list(s.records_of_month("2019-03", "2019-03-31")) == []  # recorded after the bound
    s.delete_record("Rold")
    assert s.records_for_request("REQ-1") == [new]


def test_a_request_is_accepted_once_decided_once_and_closed_once(backend: str) -> None:
    from kokuho.linkage.exchange_ports import Decision, Reply

    s = exchange_store(backend)
    assert s.request("REQ-1") is None
    first = _state("REQ-1", "PM1")
    assert s.accept(first, 1_900_000_000) and s.request("REQ-1") == first
    assert not s.accept(_state("REQ-2", "PM1"), 1_900_000_000)  # the permit is used
    assert s.request("REQ-2") is None  # nothing written
    assert not s.accept(_state("REQ-1", "PM2"), 1_900_000_000)  # the request id is taken
    assert s.accept(_state("REQ-3", "PM3", "2026-04-30T00:00:00.000+00:00"), 1_900_000_000)
    s.park("REQ-1", "token-1", '{"fields": {}}', "2026-05-01T00:00:00.000+00:00")
    s.park("REQ-3", "token-3", '{"fields": {}}', "2026-04-30T00:00:00.000+00:00")
    assert [r.request_id for r in s.pending(None)] == ["REQ-3", "REQ-1"]  # oldest first
    assert [r.request_id for r in s.pending(1)] == ["REQ-3"]
    parked = s.request("REQ-1")
    assert (parked.status, parked.task_token, parked.preview) == ("awaiting_approval", "token-1", '{"fields": {}}')
    decision = Decision("approved", "S0100", "2026-05-01T01:00:00.000+00:00", "")
    assert s.decide("REQ-1", decision) and not s.decide("REQ-1", Decision("refused", "S0200", "x", "no"))
    decided = s.request("REQ-1")
    assert (decided.status, decided.decided_by, decided.preview) == ("approved", "S0100", None)
    assert [r.request_id for r in s.pending(None)] == ["REQ-3"]
    reply = Reply("REQ-1", "REQ-BODY", "Rp", '{"status": "provided"}', "2026-05-01T02:00:00.000+00:00", 1_900_000_000)
    stale = _state("REQ-1", "PM1")  # read before the approval: status "received"
    assert not s.close_provided(stale, "t", _record("Rp", "REQ-1", "provided"), reply, CLERK, "linkage_provision",
                                "provide")
    assert s.records_for_request("REQ-1") == []  # nothing of it written
    assert s.close_provided(decided, "2026-05-01T02:00:00.000+00:00", _record("Rp", "REQ-1", "provided"), reply,
                            CLERK, "linkage_provision", "provide")
    assert (s.request("REQ-1").status, s.request("REQ-1").closed_at) == ("provided", "2026-05-01T02:00:00.000+00:00")
    assert s.reply("REQ-1") == reply and [r.outcome for r in s.records_for_request("REQ-1")] == ["provided"]
    s.mark_sent("REQ-1", "2026-05-01T03:00:00.000+00:00")
    assert s.reply("REQ-1").sent_at == "2026-05-01T03:00:00.000+00:00"
    # closed once: a refusal after the provision writes nothing
    assert not s.close_refused(s.request("REQ-1"), None, "t", _record("Rx", "REQ-1", "refused"))
    assert [r.record_id for r in s.records_for_request("REQ-1")] == ["Rp"]
    waiting = s.request("REQ-3")
    assert s.close_refused(waiting, "approval_timeout", "2026-05-04T00:00:00.000+00:00",
                           _record("Rt", "REQ-3", "refused"))
    closed = s.request("REQ-3")
    assert (closed.status, closed.decision_reason, closed.preview) == ("refused", "approval_timeout", None)
    assert s.pending(None) == [] and not s.close_refused(closed, None, "t", _record("Ry", "REQ-3", "refused"))


def test_query_results_are_found_by_person_and_by_expiry(backend: str) -> None:
    from kokuho.linkage.exchange_ports import QueryResult

    s = exchange_store(backend)
    early = QueryResult("P1", "Q1", "48", "BODY", "{}", "2026-05-01T00:00:00+00:00", 1_780_000_000,
                        "2026-05-31T00:00:00+00:00")
    late = QueryResult("P1", "Q2", "69", "BODY", "{}", "2026-05-02T00:00:00+00:00", 1_790_000_000,
                       "2026-06-30T00:00:00+00:00")
    s.put_result(early)
    s.put_result(late)
    assert s.results_of("P1") == [early, late] and s.results_of("P2") == []
    assert s.expired_results("2026-06-01T00:00:00+00:00") == [early]
    s.delete_result("P1", "Q1")
    assert s.results_of("P1") == [late] and s.expired_results("2026-06-01T00:00:00+00:00") == []
