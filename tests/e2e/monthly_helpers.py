"""Test helpers of the monthly-assessment workflow: crash points injected through the ports, and the
standing data-use application of 介護保険課.

Production code reads no fault hook: each helper wraps one method of a port of the wired adapters
(`kokuho.assessment.monthly.wired()`: the store, kokuho.assessment.ports.AssessmentStore, and the
transfers to 介護保険課) for as long as the MonkeyPatch lasts. The Lambda handlers run in-process on the
embedded AWS and use those same adapters, so a fault fires inside the state machine's steps.
Every helper returns the list of places it fired, so a test can prove the fault happened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kokuho.assessment import monthly
from kokuho.assessment.ports import AccessEntry, ChunkWrite, WriteConflict


class InjectedFailure(RuntimeError):
    """A crash injected by a test."""


def _budget(times: int) -> Callable[[str], bool]:
    fired: dict[str, int] = {}

    def take(key: str) -> bool:
        if fired.get(key, 0) >= times:
            return False
        fired[key] = fired.get(key, 0) + 1
        return True

    return take


def wrap_port(mp: pytest.MonkeyPatch, port: str, method: str,
              wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Replace `method` of the wired `port` ("store" or "transfers") by `wrapper(original)`."""
    adapter = getattr(monthly.wired(), port)
    mp.setattr(adapter, method, wrapper(getattr(adapter, method)))


def die_after_first_commit(mp: pytest.MonkeyPatch, batch_id: str, times: int = 1) -> list[str]:
    """The batch dies right after its first transaction committed (`times` attempts in a row)."""
    take, fired = _budget(times), []

    def wrapper(original: Callable[[ChunkWrite], list[str]]) -> Callable[[ChunkWrite], list[str]]:
        def commit(chunk: ChunkWrite) -> list[str]:
            lost = original(chunk)
            if chunk.batch_id == batch_id and take(batch_id):
                fired.append(f"{chunk.run_id}#{batch_id}")
                raise InjectedFailure(f"batch {batch_id} dies after a commit")
            return lost
        return commit

    wrap_port(mp, "store", "commit", wrapper)
    return fired


def die_between_versions_and_followers(mp: pytest.MonkeyPatch, batch_id: str, times: int = 1) -> list[str]:
    """The batch dies after its version items are written (each its household's commit point), before what
    follows them (the ledger's charges and the write record, one transaction: kokuho.records.assessment_store)
    — also when a later attempt completes what follows them, `times` in all."""
    from kokuho.records.assessment_store import DynamoAssessmentStore

    take, fired, store = _budget(times), [], monthly.wired().store
    assert isinstance(store, DynamoAssessmentStore)
    original = store._follow

    def follow(versions: Any, access: AccessEntry) -> None:
        if access.chain.endswith(f"#{batch_id}") and take(batch_id):
            fired.append(access.chain)
            raise InjectedFailure(f"batch {batch_id} dies between its version items and what follows them")
        original(versions, access)

    mp.setattr(store, "_follow", follow)
    return fired


def die_before_outcome(mp: pytest.MonkeyPatch, batch_id: str, times: int = 1) -> list[str]:
    """The batch wrote everything but dies before storing its outcome."""
    take, fired = _budget(times), []

    def wrapper(original: Callable[..., None]) -> Callable[..., None]:
        def save_outcome(run_id: str, bid: str, outcome: dict[str, Any]) -> None:
            if bid == batch_id and take(bid):
                fired.append(f"{run_id}#{bid}")
                raise InjectedFailure(f"batch {bid} dies before its outcome")
            original(run_id, bid, outcome)
        return save_outcome

    wrap_port(mp, "store", "save_outcome", wrapper)
    return fired


def fail_before_writing(mp: pytest.MonkeyPatch, batch_id: str, times: int = 1_000) -> list[str]:
    """The batch fails on its first read (every attempt by default)."""
    take, fired = _budget(times), []

    def wrapper(original: Callable[[AccessEntry], None]) -> Callable[[AccessEntry], None]:
        def record_access(entry: AccessEntry) -> None:
            if entry.operation == "read" and entry.chain.endswith(f"#{batch_id}") and take(batch_id):
                fired.append(entry.chain)
                raise InjectedFailure(f"batch {batch_id} fails")
            original(entry)
        return record_access

    wrap_port(mp, "store", "record_access", wrapper)
    return fired


def commit_reported_as_error(mp: pytest.MonkeyPatch, nth: int = 1) -> list[str]:
    """The `nth` transaction of the batches commits, but its caller is told it failed."""
    count, fired = [0], []

    def wrapper(original: Callable[[ChunkWrite], list[str]]) -> Callable[[ChunkWrite], list[str]]:
        def commit(chunk: ChunkWrite) -> list[str]:
            lost = original(chunk)
            count[0] += 1
            if count[0] == nth:
                fired.append(f"transaction {nth}")
                raise WriteConflict("committed, but the response was lost")
            return lost
        return commit

    wrap_port(mp, "store", "commit", wrapper)
    return fired


def die_in_summarize(mp: pytest.MonkeyPatch, *, after_transfer: bool, times: int = 1) -> list[str]:
    """Summarize dies before recording the transfer to 介護保険課, or right after it (before the run
    notes it as transferred and before the run is marked)."""
    take, fired = _budget(times), []

    def wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any, **kw: Any) -> Any:
            if not take("summarize"):
                return original(*args, **kw)
            if after_transfer:
                original(*args, **kw)
            fired.append("summarize")
            raise InjectedFailure("summarize dies")
        return step

    if after_transfer:
        wrap_port(mp, "store", "set_transferred", wrapper)
    else:
        wrap_port(mp, "transfers", "transfer", wrapper)
    return fired


CARE = "保健福祉局介護保険課"
LEVY = "保険料賦課情報"


def approve_care_application(application_id: str = "APP-CARE-LEVY") -> str:
    """介護保険課's standing data-use application for 保険料賦課情報, submitted and approved by people."""
    from datetime import date

    from kokuho.access.records import Actor
    from kokuho.access.staff import Grant, StaffMember, put_grant, put_staff
    from kokuho.linkage.transfers import Application, approve_application, submit_application

    # the approver's grant (データ利用申請の承認): approvals are denied without one
    put_staff(StaffMember("K900", "承認 太郎", "保健福祉局介護保険課", date(2020, 4, 1), None))
    put_grant(Grant("K900", "G-APP-APPROVE", "approve_transfer_application", "データ利用申請の承認",
                    "個人情報保護法第69条", "保健福祉局介護保険課", date(2020, 4, 1), date(2099, 3, 31), "S9001",
                    "2020-04-01T09:00:00+09:00"))
    submit_application(Application(application_id, CARE, LEVY, applicant="K100", purpose="保険料の特別徴収に関する事務",
                                   legal_basis="番号法第9条第2項", valid_from=date(2020, 4, 1),
                                   valid_until=date(2099, 3, 31)))
    approve_application(application_id, Actor("K900", "T-APPROVER", "データ利用申請の承認"))
    return application_id


def assessment_state() -> dict[str, Any]:
    """Everything the monthly workflow leaves behind, normalised for an item-by-item comparison
    between worlds (what differs by nature — timestamps, batch ids, retried reads — is left out)."""
    from collections import Counter

    from kokuho.access.records import records_by_staff
    from kokuho.linkage.transfers import transfers_to
    from kokuho.records.assessments import (
        AssessmentVersionModel,
        HouseholdCaseModel,
        RunModel,
        notice_of,
    )

    versions, latest, notices, cases, runs = {}, {}, {}, {}, {}
    for item in AssessmentVersionModel.scan(AssessmentVersionModel.sk.startswith("V#")):
        doc = {k: v for k, v in dict(item.doc).items() if k not in ("created_at", "batch_id")}
        versions[(item.pk, item.sk)] = (item.run_id, item.content_hash, doc)
        if (notice := notice_of(item)) is not None:
            notices[(item.pk, item.sk)] = (notice.kind, notice.payer_id, notice.body)
    for item in HouseholdCaseModel.scan(HouseholdCaseModel.pk.startswith("HHCASE#")):
        cases[(item.pk, item.sk)] = dict(item.case)
    for (pk, sk), (run_id, digest, _) in sorted(versions.items()):  # the latest version: the highest
        latest[pk] = (int(sk.removeprefix("V#")), digest, run_id)
    for item in RunModel.scan(RunModel.sk == "RUN"):
        summary = dict(item.summary or {})
        runs[item.run_id] = (item.status, {k: v for k, v in summary.items()
                                           if k not in ("timing", "last_pass", "batches")})
    writes: Counter[tuple[str, str]] = Counter()
    reads: set[tuple[str, str]] = set()
    for r in records_by_staff("system:monthly-assessment"):
        run_id = str(r.chain).split("#")[0]
        for subject in r.subject_ids:
            if r.operation == "write":
                writes[(run_id, subject)] += 1
            else:
                reads.add((run_id, subject))
    from kokuho.records.collection import DynamoCollectionStore, LedgerModel

    # the ledgers as collection reads them (the charge: the latest version with a notice)
    ledgers = {LedgerModel.key(*lg.key): (lg.charge.version, lg.charge.annual)
               for lg in DynamoCollectionStore().all_ledgers()}
    transfers = Counter()
    for t in transfers_to(CARE):
        if t["outcome"] == "transferred":
            transfers[t["reference"]] += t["subject_count"]
    return {"versions": versions, "latest": latest, "notices": notices, "cases": cases, "runs": runs,
            "access_writes": dict(writes), "access_reads": reads, "transfers": dict(transfers), "ledgers": ledgers}


def assert_every_version_followed(state: dict[str, Any]) -> None:
    """What follows a version was written once for each: one write record of its run naming its household,
    and the ledger charges the latest version of each household (collection sees every new charge)."""
    from collections import Counter

    written: Counter[tuple[str, str]] = Counter()
    latest: dict[str, tuple[int, int]] = {}
    for (_pk, sk), (run_id, _, doc) in sorted(state["versions"].items()):
        written[(run_id, str(doc["household_id"]))] += 1
        latest[str(doc["household_id"])] = (int(sk.removeprefix("V#")), int(doc["result"]["annual"]))
    assert state["access_writes"] == dict(written)
    assert {pk.removeprefix("LEDGER#").split("#")[0]: v for (pk, _), v in state["ledgers"].items()} == latest


def assert_same_state(got: dict[str, Any], clean: dict[str, Any]) -> None:
    """Item by item, naming the first difference of each kind."""
    assert_every_version_followed(got)
    for kind in ("versions", "latest", "notices", "cases", "runs", "access_writes", "transfers", "ledgers"):
        g, c = got[kind], clean[kind]
        assert set(g) == set(c), f"{kind}: extra {sorted(set(g) - set(c))[:3]}, missing {sorted(set(c) - set(g))[:3]}"
        for key in c:
            assert g[key] == c[key], f"{kind} {key}: {g[key]} != {c[key]}"
    # a retried batch reads again (and records it); every household read by the clean run was read
    assert clean["access_reads"] <= got["access_reads"]


def run_steps(payload: dict[str, Any], name: str) -> dict[str, Any]:
    """A run through the state machine's steps called in-process, in order (Prepare, each batch,
    Summarize): the same code, without the interpreter's polling — for set-ups and selection tests."""
    from kokuho.records.assessments import get_work_list

    run = monthly.prepare_run(payload, execution_id=name, execution_name=name)
    for batch in get_work_list(f"{run['run_id']}/p{run['pass']:03d}") or []:
        monthly.assess_batch({**run, "batch": batch, "execution_id": name})
    return monthly.summarize_run({**run, "execution_id": name})
