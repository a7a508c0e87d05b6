"""The access-record writer (kokuho.access.records) on the in-memory fake of its storage port
(tests/fakes/access_records.py): no moto. Chained, hashed, indexed by subject, in the caller's unit of work
or on its own with retries, the container's own chain never read for its head."""

from __future__ import annotations

import pytest
from fakes.access_records import InMemoryAccessRecords, PendingFailed

from kokuho.access import records
from kokuho.access.chain import GENESIS
from kokuho.access.records import AccessRecordError, Actor, own_chain, record_access, records_of_chain, verify_all

CLERK = Actor(staff_id="S0001", terminal_id="T-KOKUHO-03", purpose="資格管理 (国保法第9条)")
OTHER = Actor(staff_id="S0002", terminal_id="T-KOKUHO-07", purpose="賦課 (国保法第76条)")


def test_records_of_a_chain_link_each_to_the_one_before_and_verify() -> None:
    log = InMemoryAccessRecords()
    first = record_access(CLERK, ["P1"], "qualification", "read", store=log)
    second = record_access(CLERK, ["P1", "P2"], "qualification", "write", store=log)
    assert (first.chain, first.seq, first.prev_hash) == ("SUBJECT#P1", 1, GENESIS)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert list(records_of_chain("SUBJECT#P1", store=log)) == [first, second]
    assert [r.seq for r in records.records_of_subject("P2", store=log)] == [2]
    assert verify_all(store=log) == (1, 2, [])


def test_a_record_joins_the_callers_pending_writes_and_commits_with_the_change_or_not_at_all() -> None:
    log = InMemoryAccessRecords()
    with log.pending() as pending:
        pending.put(("PERSON#P1", "PROFILE"), {"name": "北九 太郎"})
        record_access(CLERK, ["P1"], "qualification", "write", transaction=pending, store=log)
        assert list(records_of_chain("SUBJECT#P1", store=log)) == []  # nothing before the commit
    assert ("PERSON#P1", "PROFILE") in log.changes and len(list(records_of_chain("SUBJECT#P1", store=log))) == 1
    with pytest.raises(PendingFailed):
        with log.pending() as pending:
            pending.put(("PERSON#P1", "PROFILE"), {"name": "taken"})  # the change's condition fails
            record_access(CLERK, ["P1"], "qualification", "write", transaction=pending, store=log)
    assert [r.seq for r in records_of_chain("SUBJECT#P1", store=log)] == [1]  # its record did not commit either
    assert verify_all(store=log)[2] == []


class RacedOnce(InMemoryAccessRecords):
    """Another writer appends to the chain right after the first head read."""

    raced = False

    def head(self, chain: str) -> tuple[int, str] | None:
        seen = super().head(chain)
        if not self.raced:
            self.raced = True
            record_access(OTHER, ["P1"], "qualification", "read", store=self)
        return seen


def test_a_concurrent_append_is_retried_on_a_fresh_head() -> None:
    log = RacedOnce()
    record_access(CLERK, ["P1"], "qualification", "search", store=log)
    assert [(r.staff_id, r.seq) for r in records_of_chain("SUBJECT#P1", store=log)] == [("S0002", 1), ("S0001", 2)]
    assert verify_all(store=log)[2] == []


def test_an_own_chain_is_never_read_for_its_head_and_a_failed_write_forgets_it() -> None:
    records.forget_heads()  # a new storage: this thread's own chains start anew
    log = InMemoryAccessRecords()
    actor = Actor("S0002", "T-KOKUHO-03", CLERK.purpose, chain=own_chain("kokuho-unit-api"))
    record_access(actor, ["P1"], "qualification", "read", store=log)
    record_access(actor, ["P2"], "qualification", "read", store=log)
    assert log.head_reads == 0
    with pytest.raises(PendingFailed):
        with log.pending() as pending:
            pending.put(("PERSON#P3", "PROFILE"), {})
            pending.put(("PERSON#P3", "PROFILE"), {})  # the caller's own writes clash
            record_access(actor, ["P3"], "qualification", "write", transaction=pending, store=log)
    record_access(actor, ["P3"], "qualification", "read", store=log)
    assert log.head_reads == 1  # the head held was forgotten, read once again
    assert [r.seq for r in records_of_chain(str(actor.chain), store=log)] == [1, 2, 3]


def test_a_record_refuses_a_my_number_and_a_missing_purpose_writing_nothing() -> None:
    log = InMemoryAccessRecords()
    with pytest.raises(AccessRecordError, match="never holds a My Number"):
        record_access(CLERK, ["123456789018"], "qualification", "read", store=log)
    with pytest.raises(AccessRecordError, match="purpose"):
        record_access(Actor("S0001", "T1", ""), ["P1"], "qualification", "read", store=log)
    assert log.items_by_key == {}


def test_a_run_acting_as_its_invocation_records_awss_request_id_as_its_terminal() -> None:
    # The payment intake, the refunds and other scheduled steps name their invocation (context.aws_request_id,
    # a UUID) as the terminal of their records: its last group reads as a valid My Number about once in a few
    # hundred invocations, which refused a whole payment file. A UUID is AWS's id; other shapes are checked.
    log = InMemoryAccessRecords()
    uuid = "6f1c2b1e-0d7a-4c8e-9a51-123456789018"
    run = Actor(staff_id="system:collection-payment-intake", terminal_id=uuid, purpose="収納 (地方自治法第231条)")
    record_access(run, ["H1"], "collection", "write", store=log)
    for terminal in ("run-123456789018", "6f1c2b1e-0d7a-4c8e-9a51-1234-5678-9018"):
        with pytest.raises(AccessRecordError, match="never holds a My Number"):
            record_access(Actor(run.staff_id, terminal, run.purpose), ["H1"], "collection", "write", store=log)
