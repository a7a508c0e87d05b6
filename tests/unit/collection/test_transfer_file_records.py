"""Auditor's probe: a 全銀協 総合振込 file carries each payee's bank account and name to the bank, yet neither the
refund file nor the benefits' file left an access record of whose data went out (the marks 'filed' were written
unrecorded too). Now the one writer (kokuho.collection.transfer_files) records the file's payees, operation
`export`, chain FILE#<file id>, after the marks and before the file is put: a file that cannot be recorded does not
leave."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benefits"))
from fakes.collection_store import InMemoryCollectionStore  # noqa: E402
from test_benefit_payment_run import ON, World, _applied  # noqa: E402
from test_overpayments import ACCOUNT, CITY, put, two_refunds_ready  # noqa: E402

from kokuho.collection.overpayments import run_overpayments, write_refund_file  # noqa: E402
from kokuho.receipts import benefit_payment  # noqa: E402


def test_the_refund_file_records_its_payees_before_it_is_put() -> None:
    store = two_refunds_ready(ON)
    files: dict[str, bytes] = {}
    recorded: list[tuple[str, list[str], bool]] = []

    def record(file_id: str, payees: Any) -> None:
        recorded.append((file_id, list(payees), file_id in files))

    out = write_refund_file(store, CITY, ON, files.__setitem__, record=record)
    assert recorded == [(out["file_id"], ["P1", "P2"], False)]  # before the file was put
    assert write_refund_file(store, CITY, ON, files.__setitem__, record=record)["refunds"] == 0
    assert len(recorded) == 1  # nothing filed, nothing recorded

    def refused(file_id: str, payees: Any) -> None:
        raise RuntimeError("the access log refused the write")

    put(store, "H3", 2024, 10_000, paid=11_000, payer="P3")
    store.overpaid.add(("H3", 2024))
    run_overpayments(store, on=date(2025, 9, 2), actor="system:test", account_of=lambda payer: ACCOUNT)
    with pytest.raises(RuntimeError):
        write_refund_file(store, CITY, date(2025, 9, 2), files.__setitem__, record=refused)
    assert len(files) == 1  # the unrecorded file did not leave


def test_the_benefit_file_records_its_payees_as_the_run() -> None:
    w = World()
    w.household("H1", "P1", 212_570)
    _applied(w, "H1")
    benefit_payment.pay(on=ON, run_id="run-1", ports=w.ports())
    filed = benefit_payment.write_file(on=ON, run_id="run-2", ports=w.ports())
    exports = [(a.staff_id, a.subject_ids, a.operation, a.chain) for a in w.persons.access if a.operation == "export"]
    assert exports == [("system:benefit-payment-run", ("P1",), "export", f"FILE#{filed['file_id']}")]


def test_an_account_the_format_cannot_carry_strands_no_other_refund() -> None:
    """Probe (files): every ready item was marked filed in the file's id before the file was built; an account the
    全銀 format cannot carry (a holder's name with ヱ, ヰ, ヮ, ヵ or ヶ: katakana with no half-width form, which the
    refund-account route accepts) then failed the build — every refund of the run stayed marked filed in a file
    that was never written, and no later run took them again: never paid. Each item is checked before any is
    marked: the others go out, the one the format refuses stays ready and is reported."""
    from kokuho.collection.ports import RefundAccount

    store = InMemoryCollectionStore()
    put(store, "H1", 2024, 10_000, paid=12_300)
    put(store, "H2", 2024, 10_000, paid=10_500, payer="P2")
    store.overpaid.update({("H1", 2024), ("H2", 2024)})
    odd = RefundAccount("0001", "123", "普通", "7654321", "ヱビス　タロウ", "公金受取口座")
    run_overpayments(store, on=ON, actor="system:test", account_of=lambda payer: odd if payer == "P2" else ACCOUNT)
    files: dict[str, bytes] = {}
    out = write_refund_file(store, CITY, ON, files.__setitem__, record=lambda file_id, payers: None)
    assert (out["refunds"], out["refund_yen"]) == (1, 2_300)  # P1's goes out
    assert [o.payer_id for o in store.refunds("filed")] == ["P1"] and len(files) == 1
    (left,) = store.refunds("ready")  # P2's waits for an account the format can carry, reported
    assert left.payer_id == "P2" and out["refused"] == [{"refund_id": left.refund_id, "field": "holder_kana"}]
