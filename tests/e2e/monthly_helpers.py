"""Test helpers of the monthly-assessment workflow: crash points injected through monkeypatch, and
the standing data-use application of 介護保険課.

Production code reads no fault hook: each helper wraps one step of kokuho.assessment.monthly (the
Lambda handlers run in-process on the embedded AWS, so the wrapped step is the one they call).
Every helper returns the list of places it fired, so a test can prove the fault happened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from kokuho.assessment import monthly


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


def die_after_first_commit(mp: pytest.MonkeyPatch, batch_id: str, times: int = 1) -> list[str]:
    """The batch dies right after its first transaction committed (`times` attempts in a row)."""
    original, take, fired = monthly._write_chunk, _budget(times), []

    def write_chunk(chunk: list[str], b: Any, **kw: Any) -> None:
        original(chunk, b, **kw)
        if kw["batch_id"] == batch_id and take(batch_id):
            fired.append(f"{b.run_id}#{batch_id}")
            raise InjectedFailure(f"batch {batch_id} dies after a commit")

    mp.setattr(monthly, "_write_chunk", write_chunk)
    return fired


def die_before_outcome(mp: pytest.MonkeyPatch, batch_id: str, times: int = 1) -> list[str]:
    """The batch wrote everything but dies before storing its outcome."""
    original, take, fired = monthly._save_outcome, _budget(times), []

    def save_outcome(run_id: str, bid: str, outcome: dict[str, Any]) -> None:
        if bid == batch_id and take(bid):
            fired.append(f"{run_id}#{bid}")
            raise InjectedFailure(f"batch {bid} dies before its outcome")
        original(run_id, bid, outcome)

    mp.setattr(monthly, "_save_outcome", save_outcome)
    return fired


def fail_before_writing(mp: pytest.MonkeyPatch, batch_id: str, times: int = 1_000) -> list[str]:
    """The batch fails on its first read (every attempt by default)."""
    original, take, fired = monthly._record_access, _budget(times), []

    def record_access(*args: Any, **kw: Any) -> Any:
        chain = str(kw.get("chain", ""))
        if args[3] == "read" and chain.endswith(f"#{batch_id}") and take(batch_id):
            fired.append(chain)
            raise InjectedFailure(f"batch {batch_id} fails")
        return original(*args, **kw)

    mp.setattr(monthly, "_record_access", record_access)
    return fired


def commit_reported_as_error(mp: pytest.MonkeyPatch, nth: int = 1) -> list[str]:
    """The `nth` transaction of the batches commits, but its caller is told it failed."""
    count, fired = [0], []

    class Flaky(TransactWrite):  # type: ignore[misc]
        def __exit__(self, *exc: Any) -> None:
            super().__exit__(*exc)
            if exc[0] is None:
                count[0] += 1
                if count[0] == nth:
                    fired.append(f"transaction {nth}")
                    raise TransactWriteError("committed, but the response was lost")

    mp.setattr(monthly, "TransactWrite", Flaky)
    return fired


def die_in_summarize(mp: pytest.MonkeyPatch, *, after_transfer: bool, times: int = 1) -> list[str]:
    """Summarize dies before (or right after) recording the transfer, before the run is marked."""
    original, take, fired = monthly._transfer_to_care, _budget(times), []

    def transfer(*args: Any, **kw: Any) -> Any:
        if not take("summarize"):
            return original(*args, **kw)
        if after_transfer:
            original(*args, **kw)
        fired.append("summarize")
        raise InjectedFailure("summarize dies")

    mp.setattr(monthly, "_transfer_to_care", transfer)
    return fired


CARE = "保健福祉局介護保険課"
LEVY = "保険料賦課情報"


def approve_care_application(application_id: str = "APP-CARE-LEVY") -> str:
    """介護保険課's standing data-use application for 保険料賦課情報, submitted and approved by people."""
    from datetime import date

    from kokuho.access.records import Actor
    from kokuho.linkage.transfers import Application, approve_application, submit_application

    submit_application(Application(application_id, CARE, LEVY, applicant="K100", purpose="保険料の特別徴収に関する事務",
                                   legal_basis="番号法第9条第2項", valid_from=date(2020, 4, 1),
                                   valid_until=date(2099, 3, 31)))
    approve_application(application_id, Actor("K900", "T-APPROVER", "データ利用申請の承認"))
    return application_id
