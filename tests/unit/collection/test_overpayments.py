"""Overpayments (issue 12 item 3): 充当 to the same payer's unpaid premiums oldest due first, the rest refunded
to the 公金受取口座 (else the account the payer names), in a 総合振込 file; nothing disbursed twice."""

from __future__ import annotations

from datetime import date

from fakes.collection_store import InMemoryCollectionStore

from kokuho.collection.ledger import PaymentEntry, charge_from_version, ledger_state
from kokuho.collection.overpayments import customer_code, plan_payer, run_overpayments, write_refund_file
from kokuho.collection.ports import LedgerWrite, RefundAccount
from kokuho.collection.zengin import Requester
from kokuho.premium.installments import split_equally

ON = date(2025, 2, 3)
ACCOUNT = RefundAccount("0001", "123", "普通", "7654321", "ヤマダ　タロウ", "公金受取口座")
CITY = Requester("1234567890", "キタキュウシュウシ", "0177", "フクオカ", "701", "キタキュウシュウ", "当座", "1234567")


def months(fy: int) -> list[str]:
    return [f"{fy}-{m:02d}" for m in range(6, 13)] + [f"{fy + 1}-{m:02d}" for m in range(1, 4)]


def put(store: InMemoryCollectionStore, household: str, fy: int, annual: int, *, paid: int = 0,
        payer: str = "P1", version: int = 1) -> None:
    charge = charge_from_version(household, fy, version=version, payer_id=payer, annual=annual,
                                 installments=split_equally(annual, months(fy)))
    store.put_charge(charge, decreased=version > 1)
    if paid:
        store.apply([LedgerWrite((household, fy), payer, [PaymentEntry(f"pay-{household}-{fy}-{version}",
                                                                       date(fy, 6, 10), paid, "収納")])],
                    [], actor="setup", chain="setup")


def state(store: InMemoryCollectionStore, household: str, fy: int):  # type: ignore[no-untyped-def]
    lg = store.ledger_items[(household, fy)]
    return ledger_state(lg.charge, lg.payments, lg.disbursements)


def test_the_overpayment_pays_the_oldest_unpaid_premiums_first_and_the_rest_is_refunded() -> None:
    store = InMemoryCollectionStore()
    put(store, "H1", 2022, 30_000)  # unpaid arrears, oldest
    put(store, "H1", 2023, 20_000, paid=5_000)
    put(store, "H1", 2024, 100_000, paid=100_000)
    put(store, "H1", 2024, 40_000, version=2)  # 更正 downwards: 60,000 overpaid
    out = run_overpayments(store, on=ON, actor="system:test", account_of=lambda payer: ACCOUNT)
    assert state(store, "H1", 2022).unpaid_total == 0  # 30,000 充当
    assert state(store, "H1", 2023).unpaid_total == 0  # 15,000 充当
    assert state(store, "H1", 2024).overpayment == 0
    (refund,) = store.refunds("ready")
    assert (refund.amount, refund.account, refund.source) == (15_000, ACCOUNT, ("H1", 2024))
    # one 充当 an installment: ten of FY2022, eight of FY2023 (its third partly paid)
    assert out == {"payers": 1, "appropriated": 18, "appropriated_yen": 45_000, "refunds": 1, "refund_yen": 15_000,
                   "held": 0, "released": 0}
    assert store.overpaid_ledgers() == []
    # Run again: nothing left to disburse, nothing disbursed twice.
    again = run_overpayments(store, on=ON, actor="system:test", account_of=lambda payer: ACCOUNT)
    assert again["appropriated"] == again["refunds"] == 0 and len(store.refund_items) == 1


def test_another_payers_arrears_are_never_touched() -> None:
    store = InMemoryCollectionStore()
    put(store, "H2", 2023, 30_000, payer="P2")
    put(store, "H1", 2024, 10_000, paid=12_000)
    store.overpaid.add(("H1", 2024))
    run_overpayments(store, on=ON, actor="system:test", account_of=lambda payer: None)
    assert state(store, "H2", 2023).unpaid_total == 30_000
    (held,) = store.refunds("held")  # no 公金受取口座, no account named yet
    assert (held.amount, held.account) == (2_000, None)
    named = RefundAccount("0005", "001", "普通", "1111111", "スズキ　ハナコ", "申出口座")
    store.set_refund_account(held.refund_id, named, actor="S0101")
    assert store.refunds("ready")[0].account == named


def test_plan_ids_are_derived_so_a_rerun_plans_the_same() -> None:
    store = InMemoryCollectionStore()
    put(store, "H1", 2023, 20_000)
    put(store, "H1", 2024, 10_000, paid=25_000)
    ledgers = store.ledgers_of_payer("P1")
    assert plan_payer("P1", ledgers) == plan_payer("P1", ledgers)
    ids = [a.disbursement_id for a in plan_payer("P1", ledgers).appropriations]
    # 15,000 overpaid on FY2024 into FY2023's 2,000-yen installments: seven whole, the eighth in part
    assert ids == [f"JT-H1-FY2024-{n}" for n in range(1, 9)]


def two_refunds_ready(on: date = ON) -> InMemoryCollectionStore:
    """Two payers overpaid on FY2024 (2,300 and 500 yen), their refunds planned on `on` to a named account."""
    store = InMemoryCollectionStore()
    put(store, "H1", 2024, 10_000, paid=12_300)
    put(store, "H2", 2024, 10_000, paid=10_500, payer="P2")
    store.overpaid.update({("H1", 2024), ("H2", 2024)})
    run_overpayments(store, on=on, actor="system:test", account_of=lambda payer: ACCOUNT)
    return store


def test_ready_refunds_go_into_one_transfer_file_once() -> None:
    store = two_refunds_ready()
    files: dict[str, bytes] = {}
    out = write_refund_file(store, CITY, ON, files.__setitem__, record=lambda file_id, payers: None)
    # (the records of the file's payers: test_transfer_file_records.py)
    assert (out["refunds"], out["refund_yen"]) == (2, 2_800)
    (data,) = files.values()
    records = data.split(b"\r\n")[:-1]
    assert [r[:1] for r in records] == [b"1", b"2", b"2", b"8", b"9"] and {len(r) for r in records} == {120}
    codes = {r[91:101].decode() for r in records if r[:1] == b"2"}
    assert codes == {customer_code(o.refund_id) for o in store.refunds("filed")}
    again = write_refund_file(store, CITY, ON, files.__setitem__, record=lambda file_id, payers: None)
    assert again["refunds"] == 0 and len(files) == 1


def test_a_refund_id_can_travel_in_the_api_url_for_a_household_of_the_registers_shape() -> None:
    # POST /collection/refunds/{refund_id}/account refuses a URL holding anything My Number shaped (twelve
    # digits in hyphenated groups): "H0000009" + "2024" + "1" were exactly twelve, so no held refund of such a
    # household could be given its account (400) — the household and the year are kept apart in the id
    from kokuho.identity.redaction import looks_like_my_number

    store = InMemoryCollectionStore()
    for n in (9, 10, 1234):
        put(store, f"H{n:07d}", 2024, 100_000, paid=100_000, payer=f"P{n}")
        put(store, f"H{n:07d}", 2024, 40_000, version=2, payer=f"P{n}")
    run_overpayments(store, on=ON, actor="system:test", account_of=lambda payer: None)
    held = store.refunds("held")
    assert len(held) == 3
    for r in held:
        assert not looks_like_my_number(f"/collection/refunds/{r.refund_id}/account"), r.refund_id


def test_a_held_refund_goes_to_the_public_funds_account_once_one_is_registered() -> None:
    """Probe (collection): a refund goes to the payer's registered 公金受取口座 if there is one, else to the account
    the payer names (domain.md §6). A refund planned while no 公金受取口座 was known was held, and stayed held when
    one was registered later: no run looked at it again — it waited for the payer to name an account (which the
    route then took, whatever was registered). The run gives each held refund the 公金受取口座 found now."""
    store = InMemoryCollectionStore()
    put(store, "H1", 2024, 10_000, paid=12_300)
    store.overpaid.add(("H1", 2024))
    first = run_overpayments(store, on=ON, actor="system:test", account_of=lambda payer: None)
    assert first["held"] == 1 and [o.status for o in store.refunds("held")] == ["held"]
    later = run_overpayments(store, on=date(2025, 3, 3), actor="system:test", account_of=lambda payer: ACCOUNT)
    assert later["released"] == 1 and store.refunds("held") == []
    (ready,) = store.refunds("ready")
    assert (ready.account, ready.amount) == (ACCOUNT, 2_300)
    files: dict[str, bytes] = {}
    assert write_refund_file(store, CITY, date(2025, 3, 3), files.__setitem__,
                             record=lambda file_id, payers: None)["refunds"] == 1
