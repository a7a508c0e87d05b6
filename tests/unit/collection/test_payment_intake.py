"""A payment file applied to the ledgers (issue 12 item 2) through the port, on the in-memory fake: matched,
applied once whatever brings it again, unknown 納付番号 to the unmatched queue, a bad file changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from fakes.collection_store import InMemoryCollectionStore

from kokuho.collection.ledger import charge_from_version, ledger_state
from kokuho.collection.payment_files import ACCOUNT_TRANSFER, PENSION, RECEIPTS
from kokuho.collection.payment_intake import intake_payment_file
from kokuho.collection.slips import payment_number, slips_of
from kokuho.intake.framing import build_file
from kokuho.premium.installments import split_equally

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
ACTOR = "system:test"


def city(households: int = 3) -> InMemoryCollectionStore:
    store = InMemoryCollectionStore()
    for n in range(1, households + 1):
        charge = charge_from_version(f"H{n}", 2024, version=1, payer_id=f"H{n}-P1", annual=100_000,
                                     installments=split_equally(100_000, MONTHS))
        store.put_charge(charge)
        store.put_slips(slips_of(charge))
    return store


def take(store: InMemoryCollectionStore, kind: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return intake_payment_file(kind, build_file(rows), store=store, actor=ACTOR, key="incoming/x.jsonl",
                               received_on=date(2024, 7, 20))


def slip(household: str, installment: int) -> str:
    return payment_number(household, 2024, installment, 1)


def cvs(receipt: str, number: str | None, amount: int = 10_000, payer: str | None = None) -> dict[str, Any]:
    return {"receipt_id": receipt, "channel": "コンビニ", "amount": amount, "paid_on": "2024-07-10",
            "payment_number": number, "payer_id": payer}


def paid(store: InMemoryCollectionStore, household: str) -> list[int]:
    lg = store.ledger_items[(household, 2024)]
    return [i.paid for i in ledger_state(lg.charge, lg.payments).installments]


def test_receipts_are_matched_applied_and_the_unknown_queued() -> None:
    store = city()
    unknown = payment_number("H9", 2024, 1, 1)
    out = take(store, RECEIPTS, [cvs("R1", slip("H1", 1)), cvs("R2", slip("H2", 2)), cvs("R3", unknown),
                                 cvs("R4", None, payer="H3-P1")])
    assert (out["applied"], out["unmatched"], out["duplicates"]) == (3, 1, 0)
    assert out["by_rule"] == {"納付番号": 2, "納付者・金額": 1}
    assert paid(store, "H1")[:2] == [10_000, 0] and paid(store, "H2")[:2] == [0, 10_000]
    assert paid(store, "H3")[0] == 10_000
    (queued,) = store.unmatched()
    assert (queued.payment_number, queued.reason, queued.line, queued.amount) == (
        unknown, "unknown 納付番号", 3, 10_000)
    written = sorted(p for _, payers, op in store.access if op == "write" for p in payers)
    read = sorted(p for _, payers, op in store.access if op == "read" for p in payers)
    assert written == read == ["H1-P1", "H2-P1", "H3-P1"]  # the ledgers read to match, and written


def test_the_same_file_again_or_the_same_number_in_another_file_is_applied_once() -> None:
    store = city()
    rows = [cvs("R1", slip("H1", 1)), cvs("R2", payment_number("H9", 2024, 1, 1))]
    first = take(store, RECEIPTS, rows)
    again = take(store, RECEIPTS, rows)
    assert again["duplicate"] is True and first["applied"] == 1
    other = take(store, RECEIPTS, [cvs("R9", slip("H1", 1)), cvs("R10", payment_number("H9", 2024, 1, 1))])
    assert (other["applied"], other["unmatched"], other["duplicates"]) == (0, 0, 2)
    assert paid(store, "H1")[0] == 10_000 and len(store.unmatched()) == 1
    same_file_twice = take(store, RECEIPTS, [cvs("R5", slip("H2", 1)), cvs("R6", slip("H2", 1))])
    twice = same_file_twice
    assert (twice["applied"], twice["duplicates"], twice["duplicate_lines"]) == (1, 1, [2])


def test_a_refused_file_changes_nothing() -> None:
    store = city()
    out = take(store, RECEIPTS, [cvs("R1", slip("H1", 1)), cvs("R2", slip("H1", 2), amount=-5)])
    assert out["accepted"] is False and out["errors"] == [
        {"line": 2, "field": "amount", "message": "must be an integer number of yen ≥ 0 (a JSON integer)"}]
    assert paid(store, "H1")[0] == 0 and not store.payment_ids and not store.files and not store.access


def test_account_transfer_failures_are_recorded_with_their_reason_and_successes_paid() -> None:
    store = city()
    out = take(store, ACCOUNT_TRANSFER, [
        {"payment_number": slip("H1", 1), "amount": 10_000, "debited_on": "2024-07-01", "result_code": "0"},
        {"payment_number": slip("H2", 1), "amount": 10_000, "debited_on": "2024-07-01", "result_code": "1"}])
    assert (out["applied"], out["collection_failures"]) == (1, 1)
    assert paid(store, "H1")[0] == 10_000 and paid(store, "H2")[0] == 0
    (failure,) = store.ledger_items[("H2", 2024)].debit_failures
    assert (failure["code"], failure["reason"], failure["installment"]) == ("1", "資金不足", 1)


def test_pension_results_pay_the_years_oldest_installments() -> None:
    store = city()
    out = take(store, PENSION, [
        {"payer_id": "H1-P1", "fiscal_year": 2024, "month": "2024-06", "amount": 15_000, "result": "徴収済"}])
    assert out["by_rule"] == {"納付者・年度": 1}
    assert paid(store, "H1")[:3] == [10_000, 5_000, 0]


def test_a_pension_result_applied_under_its_former_id_is_not_applied_again() -> None:
    """特別徴収 payments are identified `TC-<payer>-M<month>` now (kokuho.collection.payment_files.pension_payment_id:
    `TC-A123456-2024-06` could read as a My Number); one applied under the former id is a duplicate, not a second
    payment, when the insurer's line comes again."""
    store = city()
    store.payment_ids["TC-H1-P1-2024-06"] = ("H1", 2024)  # applied before the id took its letter
    out = take(store, PENSION, [
        {"payer_id": "H1-P1", "fiscal_year": 2024, "month": "2024-06", "amount": 15_000, "result": "徴収済"}])
    assert (out["applied"], out["duplicates"]) == (0, 1) and paid(store, "H1")[:2] == [0, 0]


def test_a_payment_beyond_the_charge_marks_the_ledger_overpaid() -> None:
    store = city()
    take(store, RECEIPTS, [cvs("R1", None, amount=10_000, payer="H1-P1"),
                           cvs("R2", slip("H1", 10), amount=95_000)])
    assert store.overpaid_ledgers() == [("H1", 2024)]


def test_a_concurrent_writer_is_retried_without_what_it_applied() -> None:
    store = city()
    store.fail_next_apply = 2
    out = take(store, RECEIPTS, [cvs("R1", slip("H1", 1))])
    assert out["applied"] == 1 and paid(store, "H1")[0] == 10_000


def test_a_misread_check_digit_goes_to_the_queue() -> None:
    store = city()
    good = slip("H1", 1)
    misread = good[:-1] + str((int(good[-1]) + 1) % 10)
    out = take(store, RECEIPTS, [cvs("R1", misread)])
    assert out["unmatched"] == 1 and store.unmatched()[0].reason.startswith("納付番号 fails its check digit")


def rewritten(data: bytes, how: str) -> bytes:
    """The same file as a sender's system may deliver it again: its trailer written otherwise (compact, its keys in
    another order), its lines ending CRLF, a blank line after the trailer, or each record written otherwise."""
    import hashlib
    import json

    lines = data.decode("utf-8").splitlines()
    body, count = lines[:-1], len(lines) - 1
    if how == "records":
        body = [json.dumps(dict(reversed(json.loads(x).items())), ensure_ascii=False, separators=(",", ":"))
                for x in body]
    end = "\r\n" if how == "crlf" else "\n"
    text = "".join(x + end for x in body)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    trailer = {"compact": f'{{"trailer":{{"record_count":{count},"sha256":"{sha}"}}}}',
               "order": f'{{"trailer": {{"sha256": "{sha}", "record_count": {count}}}}}'}.get(
        how, json.dumps({"trailer": {"record_count": count, "sha256": sha}}))
    return (text + trailer + end + ("\n" if how == "blank" else "")).encode("utf-8")


def test_a_file_delivered_again_written_otherwise_is_the_same_file_applied_once() -> None:
    """Applied once means the file's content, not its bytes: a bank's result re-sent with its trailer or line
    ends written otherwise recorded every failed debit a second time on the ledger (the payments held, by their
    ids)."""
    rows = [{"payment_number": slip("H1", 1), "amount": 10_000, "debited_on": "2024-07-01", "result_code": "0"},
            {"payment_number": slip("H2", 1), "amount": 10_000, "debited_on": "2024-07-01", "result_code": "1"}]
    for how in ("compact", "order", "crlf", "blank", "records"):
        store = city()
        take(store, ACCOUNT_TRANSFER, rows)
        again = intake_payment_file(ACCOUNT_TRANSFER, rewritten(build_file(rows), how), store=store, actor=ACTOR,
                                    key="incoming/again.jsonl", received_on=date(2024, 7, 20))
        assert again["duplicate"] is True, how
        assert len(store.ledger_items[("H2", 2024)].debit_failures) == 1, how
