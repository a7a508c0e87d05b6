"""A file delivered into the exchange bucket whose NAME holds a My Number (in any shape: plain, full-width,
hyphenated, spaced, inside a longer name) is never taken, by any intake: its name appears in no answer, no
error, no log line and no record; nothing is applied from it; it stays where it was delivered (the listing
functions only read the bucket) and is refused again, the same way, on every run. The file is named in
the answer and the log by a reference that does not derive from the name alone (kokuho.platform.exchange)."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

import pytest

from kokuho.identity.mynumber import check_digit, contains_my_number
from kokuho_local.embedded import EmbeddedAWS

_FIRST = "12345678901"
_NUMBER = _FIRST + str(check_digit(_FIRST))  # built here: the source holds no valid number as such
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def shapes() -> dict[str, str]:
    n = _NUMBER
    return {"plain": f"{n}.jsonl", "full-width": f"{n.translate(_FULL_WIDTH)}.jsonl",
            "hyphenated": f"{n[:4]}-{n[4:8]}-{n[8:]}.jsonl", "spaced": f"{n[:4]} {n[4:8]} {n[8:]}.jsonl",
            "embedded": f"bank_{n}_x.jsonl"}


def _put(aws: EmbeddedAWS, key: str, body: bytes = b'{"a": 1}\n') -> None:
    aws.client("s3").put_object(Bucket=aws.bucket_name("exchange"), Key=key, Body=body)


def _all_keys(aws: EmbeddedAWS) -> list[str]:
    resp = aws.client("s3").list_objects_v2(Bucket=aws.bucket_name("exchange"))
    return sorted(o["Key"] for o in resp.get("Contents", []))


def _holds_none(value: Any) -> bool:
    return not contains_my_number(json.dumps(value, ensure_ascii=False))


def _refused_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    refs = []
    for rec in caplog.records:
        if "name holds a My Number" in rec.getMessage():
            assert not contains_my_number(rec.getMessage()), "the refusal's log line names the file"
            refs += [str(r) for r in getattr(rec, "refs", [])]
    return refs


# (list function, its answer's keys, the folder each kind of file is delivered to, the take function)
LISTED = {
    "payments": ("collection-payment-list", "payments/incoming/receipts/", "collection-payment-intake"),
    "receipts": ("benefits-receipt-list", "receipts/incoming/", "benefits-receipt-intake"),
    "city-tax": ("city-intake-list", "city-incoming/tax/", "city-intake"),
    "city-residents": ("city-intake-list", "city-incoming/residents/", "city-intake"),
    "federation": ("linkage-federation-list", "incoming/", "linkage-federation-intake"),
}


@pytest.mark.parametrize("intake", sorted(LISTED))
def test_a_file_whose_name_holds_a_my_number_is_never_listed_nor_named(
        aws: EmbeddedAWS, caplog: pytest.LogCaptureFixture, intake: str) -> None:
    lister, folder, _ = LISTED[intake]
    good = f"{folder}ordinary-1.jsonl"
    _put(aws, good)
    bad = [f"{folder}{name}" for name in shapes().values()]
    for key in bad:
        _put(aws, key)
    answer = aws.invoke(lister, {"bucket": aws.bucket_name("exchange")})
    leaked = not _holds_none(answer)  # (a bool: a failure never prints the answer)
    assert not leaked, "the listing's answer names a file whose name holds a My Number"
    listed = json.dumps(answer, ensure_ascii=False)
    assert good in listed  # the ordinary file is still taken
    refs = _refused_logged(caplog)
    assert len(set(refs)) == len(bad) and all(re.fullmatch(r"sha256:[A-Za-z0-9_-]{43}", r) for r in refs)
    # Nothing moved, nothing applied: the files stay where they were delivered (the listing only reads).
    assert set(bad) <= set(_all_keys(aws))

    caplog.clear()  # refused again, the same way, on the next run: the same references
    assert aws.invoke(lister, {"bucket": aws.bucket_name("exchange")}) == answer
    assert sorted(_refused_logged(caplog)) == sorted(refs)


# The 賦課用世帯情報 intake is only ever named its file (no listing step).
TAKEN = {**{k: (folder, taker) for k, (_, folder, taker) in LISTED.items()},
         "cases": ("incoming/", "assessment-case-intake")}


@pytest.mark.parametrize("intake", sorted(TAKEN))
def test_a_file_whose_name_holds_a_my_number_is_not_taken_when_named_directly(aws: EmbeddedAWS,
                                                                                intake: str) -> None:
    folder, taker = TAKEN[intake]
    for shape, name in shapes().items():
        key = f"{folder}{name}"
        _put(aws, key)
        event: dict[str, Any] = {"bucket": aws.bucket_name("exchange"), "key": key}
        with pytest.raises(RuntimeError) as refused:
            aws.invoke(taker, event)
        message = str(refused.value)
        assert "name holds a My Number" in message and "sha256:" in message, shape
        assert not contains_my_number(message), f"the error names the file ({shape})"
        assert key in _all_keys(aws), shape  # not moved: nothing taken from it
    assert not [k for k in _all_keys(aws) if not k.startswith(folder)]  # no processed/, rejected/ or reason


def test_the_payment_workflow_applies_nothing_from_such_a_file_and_keeps_no_record_of_its_name(
        aws: EmbeddedAWS) -> None:

    from kokuho.collection.ledger import charge_from_version
    from kokuho.collection.slips import payment_number, slips_of
    from kokuho.intake.framing import build_file
    from kokuho.premium.installments import split_equally
    from kokuho.records.collection import DynamoCollectionStore
    from kokuho_local.ledger_seed import seed_ledger

    store = DynamoCollectionStore()
    months = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
    charge = charge_from_version("H0", 2024, version=1, payer_id="H0-P1", annual=100_000,
                                 installments=split_equally(100_000, months))
    seed_ledger(charge)
    store.put_slips(slips_of(charge))
    data = build_file([{"receipt_id": "R0", "channel": "コンビニ", "amount": 10_000, "paid_on": "2024-07-10",
                        "payment_number": payment_number("H0", 2024, 1, 1)}])
    for name in shapes().values():
        _put(aws, f"payments/incoming/receipts/{name}", data)
    out = aws.run_state_machine("collection-payment-intake", {}, name=f"p-{secrets.token_hex(4)}", timeout_s=120)
    leaked = not _holds_none(out)
    assert not leaked and out["files"] == []
    assert not store.ledgers([("H0", 2024)])[("H0", 2024)].payments
    assert store.applied_payment_ids([f"SN-{payment_number('H0', 2024, 1, 1)}"]) == set()
    ddb = aws.client("dynamodb")
    for table in ddb.list_tables()["TableNames"]:  # no record anywhere (applied-once, access, queue) names it
        assert _holds_none(ddb.scan(TableName=table).get("Items", [])), table


def test_the_attendance_intake_takes_nothing_from_such_a_file(aws: EmbeddedAWS,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    for name in shapes().values():
        _put(aws, f"health/incoming/{name}")
    out = aws.invoke("health-attendance-intake", {})
    leaked = not _holds_none(out)
    assert not leaked and out["files"] == 0 and out["refused"] == []
    assert len(set(_refused_logged(caplog))) == len(shapes())
    assert all(k.startswith("health/incoming/") for k in _all_keys(aws))
    with pytest.raises(RuntimeError) as refused:
        aws.invoke("health-attendance-intake", {"key": f"health/incoming/{shapes()['embedded']}"})
    assert "sha256:" in str(refused.value) and not contains_my_number(str(refused.value))
