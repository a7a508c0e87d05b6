"""The daily 督促 run on the embedded AWS (issue 12 item 4): the state machine CDK deploys runs its Lambda, which
issues one reminder an unpaid installment with the payer's access record; run again, it issues nothing."""

from __future__ import annotations

import secrets
from datetime import date

from kokuho.access.records import records_by_staff
from kokuho.collection.ledger import PaymentEntry, charge_from_version
from kokuho.collection.ports import LedgerWrite
from kokuho.premium.installments import split_equally
from kokuho.records.collection import DynamoCollectionStore
from kokuho_local.embedded import EmbeddedAWS
from kokuho_local.ledger_seed import seed_ledger

MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def test_the_daily_run_issues_each_reminder_once(aws: EmbeddedAWS) -> None:
    from kokuho.access.records import Actor

    store = DynamoCollectionStore()
    seed_ledger(*(charge_from_version(h, 2024, version=1, payer_id=f"{h}-P1", annual=100_000,
                                      installments=split_equally(100_000, MONTHS)) for h in ("H1", "H2")))
    store.apply([LedgerWrite(("H1", 2024), "H1-P1", [PaymentEntry("a", date(2024, 6, 28), 10_000, "収納", 1)])],
                [], actor=Actor("system:test", "t", "test"), chain="test")
    name = f"r-{secrets.token_hex(4)}"
    out = aws.run_state_machine("collection-reminders", {"on": "2024-07-10"}, name=name)
    assert (out["reminders"], out["unpaid_yen"], out["late"]) == (1, 10_000, 0)
    # The run is its execution (the ASL passes its name), not the Lambda's request id: the records name it.
    assert {r.terminal_id for r in records_by_staff("system:reminder-run")} == {name}
    (reminder,) = store.ledgers([("H2", 2024)])[("H2", 2024)].reminders
    assert (reminder["installment"], reminder["pay_by"]) == (1, "2024-07-20")
    assert store.ledgers([("H1", 2024)])[("H1", 2024)].reminders == ()
    again = aws.run_state_machine("collection-reminders", {"on": "2024-07-10"}, name=f"r-{secrets.token_hex(4)}")
    assert again["reminders"] == 0
    writes = [r for r in records_by_staff("system:reminder-run") if r.operation == "write"]
    assert [r.subject_ids for r in writes] == [["H2-P1"]]


def test_a_reminder_fee_billed_is_stored_once_on_the_ledger(aws: EmbeddedAWS) -> None:
    # the 督促手数料 bill on DynamoDB: its own list on the ledger, its id put once (a second run bills nothing)
    from kokuho.access.records import Actor
    from kokuho.collection.reminders import run_reminders

    store, actor = DynamoCollectionStore(), Actor("system:test", "t", "test")
    seed_ledger(charge_from_version("H1", 2024, version=1, payer_id="H1-P1", annual=100_000,
                                    installments=split_equally(100_000, MONTHS)))
    run_reminders(store, on=date(2024, 7, 10), actor=actor, fee=150)
    store.apply([LedgerWrite(("H1", 2024), "H1-P1", [PaymentEntry("a", date(2024, 7, 12), 10_000, "収納", 1)])],
                [], actor=actor, chain="test")
    assert run_reminders(store, on=date(2024, 7, 13), actor=actor, fee=150)["fee_billed_yen"] == 150
    assert run_reminders(store, on=date(2024, 7, 14), actor=actor, fee=150)["fee_bills"] == 0
    (bill,) = store.ledgers([("H1", 2024)])[("H1", 2024)].fees
    assert (bill["id"], bill["amount"], bill["billed_on"]) == ("TF-H1-FY2024-1", 150, "2024-07-13")
