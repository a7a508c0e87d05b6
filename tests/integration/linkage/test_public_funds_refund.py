"""Refunds to the 公金受取口座 (issue 12 item 3): the account found by a linkage query through the one query
machinery, the overpayment run's refund ready with it (another payer's held without one), and the 総合振込
file written to the exchange bucket."""

from __future__ import annotations

import secrets
from datetime import date

from linkage_world import PERSONS, World

from kokuho.access.records import records_by_staff
from kokuho.collection.ledger import PaymentEntry, charge_from_version
from kokuho.collection.ports import LedgerWrite
from kokuho.linkage.exchange_records import records_for_request
from kokuho.payments import service
from kokuho.premium.installments import split_equally
from kokuho.records.collection import DynamoCollectionStore
from kokuho_local.ledger_seed import seed_ledger

ACCOUNT = {"bank_code": "0005", "branch_code": "123", "account_type": "普通", "account_number": "7654321",
           "holder_kana": "ヤマダ　タロウ"}
MONTHS = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]


def overpaid(store: DynamoCollectionStore, household: str, payer: str, paid: int) -> None:
    charge = charge_from_version(household, 2024, version=1, payer_id=payer, annual=10_000,
                                 installments=split_equally(10_000, MONTHS))
    seed_ledger(charge)
    store.apply([LedgerWrite((household, 2024), payer, [PaymentEntry(f"P-{household}", date(2024, 6, 10), paid,
                                                                      "収納")], overpaid=True)],
                [], actor=service.Actor("system:test", "t", "test"), chain="test")


def test_a_refund_goes_to_the_public_funds_account_a_query_found(world: World) -> None:
    world.provider.hold(PERSONS["P100"][0], "公金受取口座", {"public_funds_account": ACCOUNT})
    out = world.aws.run_state_machine("linkage-query", {"person_id": "P100", "item": "公金受取口座",
                                                        "provider_body": world.provider.body_id},
                                      name=f"q-{secrets.token_hex(4)}", timeout_s=120)
    assert out["status"] == "stored"
    (rec,) = [r for r in records_for_request(out["request_id"]) if r.outcome != "requested"]  # its outcome
    assert (rec.item, rec.outcome) == ("公金受取口座", "received")

    store = DynamoCollectionStore()
    overpaid(store, "H100", "P100", 12_300)
    overpaid(store, "H101", "P101", 10_400)  # no 公金受取口座 registered
    # The refund workflow as deployed: the overpayment run, then the 総合振込 file (state machine, two Lambdas).
    filed = world.aws.run_state_machine("collection-refunds", {"on": "2025-02-03"}, name=f"rf-{secrets.token_hex(4)}",
                                        timeout_s=120)
    (ready,) = store.refunds_of_file(filed["file_id"])
    assert (ready.payer_id, ready.amount, ready.account and ready.account.source) == ("P100", 2_300, "公金受取口座")
    assert [h.payer_id for h in store.refunds("held")] == ["P101"]  # no account: held, not filed
    assert store.overpaid_ledgers() == []
    reads = [r for r in records_by_staff("system:overpayment-run") if r.operation == "read"]
    assert sorted(s for r in reads for s in r.subject_ids) == ["P100", "P101"]
    assert (filed["refunds"], filed["refund_yen"]) == (1, 2_300)
    body = world.aws.client("s3").get_object(Bucket=world.aws.bucket_name("exchange"), Key=filed["key"])["Body"].read()
    header, data, trailer, end = body.split(b"\r\n")[:-1]
    assert (data[1:5], data[20:23], data[42:43], data[43:50], data[80:90]) == (
        b"0005", b"123", b"1", b"7654321", b"0000002300")
    assert data[50:80].decode("cp932").rstrip() == "ﾔﾏﾀﾞ ﾀﾛｳ" and trailer[1:7] == b"000001"
    again = world.aws.run_state_machine("collection-refunds", {"on": "2025-02-04"}, name=f"rf-{secrets.token_hex(4)}",
                                        timeout_s=120)
    assert (again["refunds"], store.refunds("ready")) == (0, [])  # nothing disbursed or filed twice
