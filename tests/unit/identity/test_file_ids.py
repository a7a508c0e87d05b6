"""The ids of the files the city sends out — 総合振込 files of refunds and benefits (kokuho.collection.transfer_files)
and the 特別徴収依頼 file to the pension insurer (kokuho.collection.pension_run) — are derived from what they hold (a
run cut short writes the same file again). They stand in the S3 key, the run's answer, its log line and the items
marked filed. They never hold twelve digits in any shape, whatever the day and the items: `RFF-20240722-1234ab…`
held "20240722-1234" (a digest starting with four digits, one file in eighteen), and `2024-07-22-…` the day's
eight digits and the digest's first four — a valid My Number one file in two hundred, redacted from every log line
whatever its check digit."""

from __future__ import annotations

from datetime import date

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kokuho.collection.pension_run import request_file_id
from kokuho.collection.transfer_files import file_id_of
from kokuho.identity.mynumber import find_candidates

DAYS = st.dates(date(2000, 1, 1), date(2099, 12, 31))
ITEM_IDS = st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=5)


def twelve_digits(value: str) -> bool:
    """Whether a run of digit groups holds twelve digits (a log line redacts it; a valid one is a My Number)."""
    return bool(find_candidates(value))


@settings(max_examples=400, deadline=None)
@given(on=DAYS, ids=ITEM_IDS, prefix=st.sampled_from(["RFF", "BPF"]))  # refunds, benefit payments
def test_a_transfer_file_id_never_holds_twelve_digits(on: date, ids: list[str], prefix: str) -> None:
    file_id = file_id_of(prefix, on, ids)
    assert not twelve_digits(f"outgoing/refunds/{file_id}.txt")
    assert file_id == file_id_of(prefix, on, list(ids))  # derived: the same items, the same file


@settings(max_examples=400, deadline=None)
@given(on=DAYS, ids=ITEM_IDS)
def test_a_pension_request_file_id_never_holds_twelve_digits(on: date, ids: list[str]) -> None:
    file_id = request_file_id(on, ids)
    assert not twelve_digits(f"outgoing/pension/{file_id}.jsonl")
    assert file_id == request_file_id(on, list(reversed(ids)))  # the rows' ids, in any order


@settings(max_examples=400, deadline=None)
@given(digest=st.text("0123456789abcdef", min_size=64, max_size=64))
@example(digest="abc" + "9" * 12 + "f" + "0" * 48)  # a twelve-digit run inside the first sixteen characters
def test_a_payment_file_s_access_chain_never_holds_twelve_digits(digest: str) -> None:
    """The access records of a payment file's matching go under `payments#<its SHA-256>`: sixteen hex characters
    held a run of twelve digits one file in two hundred and fifty — a valid My Number one in three thousand, which
    the chain's check refuses (the file failed) and the API's leak scan finds in the record."""
    from kokuho.collection.payment_intake import file_chain

    assert not twelve_digits(file_chain(digest))
