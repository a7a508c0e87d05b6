"""振込不能 (probe-collection, gap 1): the bank's notice of the transfers of a refund or 高額療養費 総合振込 file
it could not make was never read — a refund or a benefit the bank returned stayed "filed" (paid) for ever. The notice is
taken in (kokuho.collection.transfer_returns): matched to the file and item it answers, the refund held again (never
to the account that failed), the benefit month owed again; the same notice again changes nothing; an unknown item,
an unknown file, a wrong amount or lines answering two files refuse it whole naming line and field."""

from __future__ import annotations

from datetime import date
from typing import Any

from fakes.benefit_payment_store import InMemoryBenefitPaymentStore
from fakes.collection_store import InMemoryCollectionStore
from unit.benefits.test_benefit_payment_run import GIVEN, World, _applied
from unit.collection.test_overpayments import ACCOUNT, CITY, ON, two_refunds_ready

from kokuho.benefits.payment import Application
from kokuho.benefits.payment_returns import BenefitBook
from kokuho.collection.overpayments import customer_code, run_overpayments, write_refund_file
from kokuho.collection.ports import RefundAccount
from kokuho.collection.transfer_returns import RefundBook, TransferBook, intake_transfer_returns
from kokuho.intake.framing import build_file
from kokuho.receipts import benefit_payment

RECEIVED = date(2025, 2, 10)
OTHER = RefundAccount("0005", "321", "普通", "1111111", "ﾔﾏﾀﾞ ﾀﾛｳ", "申出口座")


def notice(file_id: str, items: list[tuple[str, int]], code: str = "2", **extra: Any) -> bytes:
    return build_file([{"file_id": file_id, "customer_code": customer_code(item), "amount": amount,
                        "result_code": code, "returned_on": "2025-02-07", **extra} for item, amount in items])


def filed_refunds() -> tuple[InMemoryCollectionStore, str]:
    store = two_refunds_ready()
    files: dict[str, bytes] = {}
    out = write_refund_file(store, CITY, ON, files.__setitem__, record=lambda file_id, payers: None)
    return store, str(out["file_id"])


def take(store: InMemoryCollectionStore, data: bytes, benefits: InMemoryBenefitPaymentStore | None = None,
         key: str = "payments/incoming/transfer_returns/n1.jsonl") -> dict[str, Any]:
    books: dict[str, TransferBook] = {"refund": RefundBook(store),
                                      "benefit": BenefitBook(benefits or InMemoryBenefitPaymentStore())}
    return intake_transfer_returns(data, store=store, books=books, actor="system:test", key=key, received_on=RECEIVED)


def test_a_returned_refund_is_held_again_and_never_paid_into_the_account_that_failed() -> None:
    store, file_id = filed_refunds()
    h1 = next(r for r in store.refunds("filed") if r.payer_id == "P1")
    out = take(store, notice(file_id, [(h1.refund_id, h1.amount)]))
    assert (out["accepted"], out["returned"], out["returned_yen"]) == (True, 1, 2_300)
    (held,) = store.refunds("held")
    assert (held.refund_id, held.account, held.file_id) == (h1.refund_id, None, None)
    assert held.returns[0]["reason"] == "口座解約済" and held.returns[0]["account"]["account_number"] == "7654321"
    assert (("system:test", ["P1"], "write")) in store.access  # the change recorded, naming the payer
    assert ("system:test", ["P1", "P2"], "read") in store.access  # the file's payees read to match
    # The 公金受取口座 is the one that failed: the refund stays held; a new one releases it.
    again = run_overpayments(store, on=date(2025, 2, 11), actor="system:test", account_of=lambda payer: ACCOUNT)
    assert again["released"] == 0 and [r.refund_id for r in store.refunds("held")] == [h1.refund_id]
    later = run_overpayments(store, on=date(2025, 2, 12), actor="system:test", account_of=lambda payer: OTHER)
    assert later["released"] == 1 and store.refunds("ready")[0].account == OTHER


def test_the_same_notice_again_changes_nothing() -> None:
    store, file_id = filed_refunds()
    h1 = next(r for r in store.refunds("filed") if r.payer_id == "P1")
    data = notice(file_id, [(h1.refund_id, h1.amount)])
    take(store, data)
    before = (dict(store.refund_items), len(store.access))
    again = take(store, data, key="payments/incoming/transfer_returns/n1-again.jsonl")
    assert (again["accepted"], again["duplicate"]) == (True, True)
    assert (dict(store.refund_items), len(store.access)) == before
    # Another notice naming the same returned transfer (a second copy from the bank) returns nothing twice.
    other = take(store, notice(file_id, [(h1.refund_id, h1.amount)], code="9"))
    assert (other["accepted"], other["returned"], other["already_returned"]) == (True, 0, 1)
    assert len(store.refunds("held")[0].returns) == 1


def _unchanged(store: InMemoryCollectionStore, out: dict[str, Any], line: int, field: str) -> None:
    assert out["accepted"] is False and {"line": line, "field": field} == {
        k: out["errors"][0][k] for k in ("line", "field")}, out
    assert [r.status for r in store.refund_items.values()] == ["filed", "filed"]


def test_an_unknown_item_a_wrong_amount_another_file_or_two_files_refuse_the_notice_whole() -> None:
    store, file_id = filed_refunds()
    h1, h2 = sorted(store.refunds("filed"), key=lambda r: r.payer_id)
    _unchanged(store, take(store, notice(file_id, [(h1.refund_id, h1.amount), ("RF-H9-FY2024-1", 100)])),
               2, "customer_code")
    _unchanged(store, take(store, notice(file_id, [(h1.refund_id, h1.amount), (h2.refund_id, h2.amount + 1)])),
               2, "amount")
    _unchanged(store, take(store, notice("RFF-D20250203-H0123456789a", [(h1.refund_id, h1.amount)])), 1, "file_id")
    two = build_file([{"file_id": file_id, "customer_code": customer_code(h1.refund_id), "amount": h1.amount,
                       "result_code": "1", "returned_on": "2025-02-07"},
                      {"file_id": "BPF-D20250203-H0123456789a", "customer_code": customer_code(h2.refund_id),
                       "amount": h2.amount, "result_code": "1", "returned_on": "2025-02-07"}])
    _unchanged(store, take(store, two), 2, "file_id")
    _unchanged(store, take(store, notice(file_id, [(h1.refund_id, h1.amount)], code="7")), 1, "result_code")
    _unchanged(store, take(store, notice(file_id, [(h1.refund_id, h1.amount)], returned_on="2025-02-11")),
               1, "returned_on")
    _unchanged(store, take(store, notice(file_id, [(h1.refund_id, h1.amount), (h1.refund_id, h1.amount)])),
               2, "customer_code")
    _unchanged(store, take(store, notice(file_id, [(h1.refund_id, h1.amount)], extra="x")), 1, "extra")


def test_a_returned_benefit_is_owed_again_and_paid_only_into_another_account() -> None:
    w = World()
    w.household("H1", "P1", 30_000)
    _applied(w, "H1")
    benefit_payment.pay(on=date(2025, 9, 1), run_id="run-1", ports=w.ports())
    filed = benefit_payment.write_file(on=date(2025, 9, 1), run_id="run-1", ports=w.ports())
    [paid] = w.payments.household("H1").payments
    collection = InMemoryCollectionStore()
    books: dict[str, TransferBook] = {"refund": RefundBook(collection), "benefit": BenefitBook(w.payments)}
    data = notice(str(filed["file_id"]), [(paid.payment_id, 30_000)], code="3")
    out = intake_transfer_returns(data, store=collection, books=books, actor="system:test", key="n.jsonl",
                                  received_on=date(2025, 9, 5))
    assert (out["accepted"], out["returned"]) == (True, 1)
    [returned] = w.payments.household("H1").payments
    assert (returned.status, returned.paid, returned.returns[0]["reason"]) == ("returned", 0, "受取人名相違")
    assert ("write", ("HH:H1", "P1")) in w.payments.access
    # The next run pays nothing into the account that failed: the month waits for another.
    day2 = benefit_payment.pay(on=date(2025, 9, 8), run_id="run-2", ports=w.ports())
    assert day2["payments"] == 0 and len(w.payments.household("H1").payments) == 1
    other = RefundAccount("0009", "100", "普通", "2222222", "ｼｹﾝ ﾊｼﾞﾒ", "申出口座")
    w.payments.put_application(Application("A-H1-2", "H1", ("2024-10",), date(2025, 9, 9), other, False, "S2001"),
                               actor=None)
    day3 = benefit_payment.pay(on=date(2025, 9, 10), run_id="run-3", ports=w.ports())
    assert (day3["payments"], day3["paid_yen"]) == (1, 30_000)
    new = [p for p in w.payments.household("H1").payments if p.status == "ready"]
    assert [(p.amount, p.account) for p in new] == [(30_000, other)] and GIVEN != other
    # The same notice again: nothing.
    assert intake_transfer_returns(data, store=collection, books=books, actor="system:test", key="n2.jsonl",
                                   received_on=date(2025, 9, 5))["duplicate"] is True
