"""利用停止 honoured by every use (issue 11 item 7): the list of uses (kokuho/data/requests/uses.v1.json) and the
code agree — every use is named where its path begins, and nothing names a use the list does not hold — and
each path that goes on under a suspension does so because the data says so: were the data to say the use
stops, the path would refuse to go on unchecked (tested per path, before it touches any storage).

The paths that stop are tested with their behaviour: the private API's reads (tests/integration/qualification/
test_requests_api.py), the 情報提供 and 情報照会 workflows (tests/integration/linkage/test_linkage_suspension.py)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kokuho.requests import suspension

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [*sorted((ROOT / "layers" / "kokuho" / "python" / "kokuho").rglob("*.py")),
           *sorted((ROOT / "functions").rglob("*.py"))]
CHECKS = ("check_use", "partition_use", "declare_use")


def _named_uses() -> dict[str, set[str]]:
    """use id → the modules whose code names it (a string constant equal to a use id, or the first argument
    of a check)."""
    known = set(suspension.load_uses())
    found: dict[str, set[str]] = {}
    for path in SOURCES:
        if path.name == "suspension.py" and path.parent.name == "requests":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in known:
                found.setdefault(node.value, set()).add(str(path.relative_to(ROOT)))
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in CHECKS:
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant):
                    assert first.value in known, f"{path}: {first.value!r} is not a use of the list"
    return found


def test_every_use_of_the_list_is_named_where_its_path_begins() -> None:
    named = _named_uses()
    missing = sorted(set(suspension.load_uses()) - set(named))
    assert missing == [], f"uses no code names: {missing}"


def _stopping(monkeypatch: pytest.MonkeyPatch, use_id: str) -> None:
    uses = dict(suspension.load_uses())
    uses[use_id] = replace(uses[use_id], when_suspended="stop", basis=None)
    monkeypatch.setattr(suspension, "load_uses", lambda version=1: uses)


def _qualification_change() -> Any:
    from kokuho.qualification import registrations

    return registrations.commit(None, None, None, "move")  # type: ignore[arg-type]


def _assessment_run() -> Any:
    from kokuho.assessment import monthly

    return monthly.prepare_run({}, execution_id="x", execution_name="x", ports=object())  # type: ignore[arg-type]


def _care_transfer() -> Any:
    from kokuho.assessment.care_transfer import transfer_to_care

    return transfer_to_care(None, None, None, 1, 0, "x")  # type: ignore[arg-type]


def _reminders() -> Any:
    from kokuho.payments.service import run_reminders

    return run_reminders(on=date(2026, 4, 10), run_id="x")


def _refunds() -> Any:
    from kokuho.payments.service import run_overpayments

    return run_overpayments(on=date(2026, 4, 10), run_id="x")


def _benefit_run() -> Any:
    from kokuho.receipts import benefit_run

    return benefit_run.prepare({})


def _arrears() -> Any:
    from kokuho.payments.arrears_service import run_arrears

    return run_arrears(on=date(2026, 4, 10), mode="daily", run_id="x")


def _receipts() -> Any:
    from kokuho.receipts.files import take_receipt_file

    return take_receipt_file(b"", key="receipts/incoming/x", run_id="x")


def _federation_export() -> Any:
    from kokuho.linkage.federation_export import export_qualification

    return export_qualification(None, date(2026, 4, 10), None, "b")  # type: ignore[arg-type]


def _federation_carry_over() -> Any:
    from kokuho.linkage.federation_export import export_carry_over

    return export_carry_over(None, "2026-03", None, "b")  # type: ignore[arg-type]


def _notices() -> Any:
    from kokuho.payments.notice_service import print_payment_notices

    return print_payment_notices(fiscal_year=2026, issued_on=date(2026, 6, 15), run_id="x")


def _payment_intake() -> Any:
    from kokuho.payments.service import take_payment_file

    return take_payment_file("x", b"", key="payments/incoming/x", run_id="x", received_on=date(2026, 4, 10))


def _unmatched_queue() -> Any:
    from kokuho.payments import routes

    return routes.unmatched_queue()


def _unmatched_resolution() -> Any:
    from kokuho.payments import routes

    return routes.resolve_unmatched("x", routes.ResolutionIn(action="return"))


def _refund_account() -> Any:
    from kokuho.payments import routes

    return routes.name_refund_account("x", routes.AccountIn(bank_code="0001", branch_code="001", account_type="普通",
                                                            account_number="1234567", holder_kana="キタキュウ"))


def _arrears_read() -> Any:
    from kokuho.payments import arrears_routes

    return arrears_routes.read_arrears("H", 2024)


def _arrears_action() -> Any:
    from kokuho.payments import arrears_routes

    return arrears_routes.record_arrears_action("H", 2024, arrears_routes.ActionIn(kind="納付相談"))


def _arrears_approval() -> Any:
    from kokuho.payments import arrears_routes

    return arrears_routes.decide_arrears_action("H", 2024, "BN-x", arrears_routes.ArrearsApprovalIn(decision="approve"))


def _benefit_application_approval() -> Any:
    from kokuho.receipts import benefit_routes

    return benefit_routes.decide_late_application("H", "A", benefit_routes.LateEntryDecisionIn(
        decision="approve"))


def _other_claim_approval() -> Any:
    from kokuho.receipts import benefit_routes, claim_routes

    return claim_routes.decide_late_other_claim("H", "C", benefit_routes.LateEntryDecisionIn(decision="approve"))


def _statistics() -> Any:
    from kokuho.payments.arrears_service import run_statistics

    return run_statistics(fiscal_year=2025, as_of=date(2026, 4, 10), run_id="x")


def _vouchers() -> Any:
    from kokuho.programmes.vouchers import issue_year

    return issue_year(2026, run_id="x")


def _other_claims() -> Any:
    from kokuho.receipts import claim_routes

    return claim_routes.read_other_claim("H", "C")


CONTINUING: list[tuple[str, Callable[[], Any]]] = [
    ("qualification.change", _qualification_change), ("assessment.run", _assessment_run),
    ("transfers.care", _care_transfer), ("collection.reminders", _reminders), ("collection.refunds", _refunds),
    ("benefits.kogaku", _benefit_run), ("benefits.receipts", _receipts), ("collection.arrears", _arrears),
    ("linkage.federation_export", _federation_export),
    ("linkage.federation_export", _federation_carry_over), ("collection.notices", _notices),
    ("collection.payments", _payment_intake), ("collection.payments", _unmatched_queue),
    ("collection.payments", _unmatched_resolution), ("collection.refunds", _refund_account),
    ("collection.arrears", _arrears_read), ("collection.arrears", _arrears_action),
    ("collection.arrears", _arrears_approval), ("benefits.kogaku", _benefit_application_approval),
    ("collection.statistics", _statistics), ("health.checkup_vouchers", _vouchers),
    ("benefits.other", _other_claims), ("benefits.other", _other_claim_approval),
]


@pytest.mark.parametrize(("use_id", "path"), CONTINUING, ids=[f"{u}:{p.__name__}" for u, p in CONTINUING])
def test_a_path_that_goes_on_under_a_suspension_does_so_because_the_data_says_so(
        monkeypatch: pytest.MonkeyPatch, use_id: str, path: Callable[[], Any]) -> None:
    assert suspension.use_of(use_id).when_suspended == "continue" and suspension.use_of(use_id).basis
    _stopping(monkeypatch, use_id)
    with pytest.raises(RuntimeError, match=f"{use_id}: the use stops under a 利用停止"):
        path()


def test_every_continuing_use_is_held_to_a_path_here() -> None:
    continuing = {u.use_id for u in suspension.load_uses().values() if u.when_suspended == "continue"}
    assert continuing == {u for u, _ in CONTINUING}
