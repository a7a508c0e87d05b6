"""The notice an assessment version issues — 決定通知書 (the first decision) or 変更通知書 (a 更正) — made from
what is stored: the version's document (and the previous one's for a 更正), the engine's explanation of the
household's case (`kokuho.premium.explain_case`, the same computation `kokuho premium --explain` prints) and
the ledger. One helper for every caller (the print run after an assessment run, the notice route, the demo):
no second copy of what a notice holds.

The explanation is the case's: it explains the version only while the case still computes to the version's
result. When the case has moved on since (a later change not assessed yet), `NotExplained` is raised — the
notice is not printed with another version's explanation; the next 更正 sends its own 変更通知書."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from kokuho.collection.ledger import Charge, charge_from_version, ledger_state
from kokuho.notices.model import Addressee, ChangeNotice, DecisionNotice, Issuer, NoticeError
from kokuho.notices.text import era_month

DECISION, CHANGE = "決定通知", "変更通知"  # the version document's `notice` (kokuho.assessment.versions)
TITLES = {DECISION: "決定通知書", CHANGE: "変更通知書"}
ISSUER = Issuer()


class NotExplained(NoticeError):
    """The household's case no longer computes to the version's result: its explanation would be another's."""


def _canonical(result: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in result.items() if k != "explain"}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))


def explains(output: Mapping[str, Any], doc: Mapping[str, Any]) -> bool:
    """Whether the engine's output (explain_case of the case) is the version's stored result."""
    return _canonical(output) == _canonical(doc["result"])


def charge_of(household_id: str, fiscal_year: int, version: int, doc: Mapping[str, Any],
              ledger_charge: Charge | None = None) -> Charge:
    """The 調定 of a version: the ledger's own when it holds that version (a 特別徴収 ledger's installments
    carry their kind), else the version's installments."""
    if ledger_charge is not None and ledger_charge.version == version:
        return ledger_charge
    return charge_from_version(household_id, fiscal_year, version=version, payer_id=str(doc["payer_id"]),
                               annual=int(doc["result"]["annual"]), installments=doc["installments"])


def change_reason(doc: Mapping[str, Any]) -> str:
    """変更理由: the month whose changes (資格の異動・所得の更正) the 更正 assessed."""
    return (f"{era_month(str(doc['as_of_month']))}までの世帯の異動 (資格の取得・喪失、所得の更正等) "
            "にもとづく保険料の再算定")


def assessment_notice(*, household_id: str, fiscal_year: int, version: int, doc: Mapping[str, Any],
                      previous_doc: Mapping[str, Any] | None, output: Mapping[str, Any], payer_name: str,
                      to: Addressee, issued_on: date, ledger_charge: Charge | None = None,
                      payments: Iterable[Any] = (), disbursements: Iterable[Any] = (),
                      issuer: Issuer = ISSUER) -> DecisionNotice | ChangeNotice:
    """The notice version `version` issues (its document's `notice`): a DecisionNotice, or a ChangeNotice with
    the previous version and the ledger's state on the day of issue (slips of what is still owed, an
    overpayment announced). NoticeError names what is missing; NotExplained when the case moved on."""
    kind = doc.get("notice")
    if kind not in TITLES:
        raise NoticeError("doc.notice", "this version issues no notice (仮: provisional rates)")
    if not explains(output, doc):
        raise NotExplained("output", "the household's case has changed since this version was assessed")
    current = charge_of(household_id, fiscal_year, version, doc, ledger_charge)
    if kind == DECISION:
        return DecisionNotice(current, payer_name, to, issued_on, output, issuer)
    if previous_doc is None:
        raise NoticeError("previous_doc", "a 変更通知書 needs the previous version")
    previous = charge_of(household_id, fiscal_year, version - 1, previous_doc)
    payments = [p for p in payments if p.on <= issued_on]
    state = ledger_state(current, payments, disbursements, as_of=issued_on)
    return ChangeNotice(previous, current, payer_name, to, issued_on, change_reason(doc),
                        previous_doc["result"], output, state=state, issuer=issuer)
