"""What the qualification API answers, built from the application's results: a person, a card, a grant
row of the permission review, an error (a reason for the clerk, never the data)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from kokuho.access.grants import grant_state, today_jst
from kokuho.access.staff import Grant, StaffMember
from kokuho.identity.redaction import redact
from kokuho.qualification import application as appsvc
from kokuho.qualification.model import Person


def error(status: int, reason: str, headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body={"error": redact(reason)}, headers=headers or None)


def person_out(person: Person) -> dict[str, Any]:
    return appsvc.person_view(person, today_jst(), "")


def card_out(card: Any) -> dict[str, Any]:
    return {"card_id": card.card_id, "person_id": card.person_id, "issued_on": card.issued_on.isoformat(),
            "valid_until": card.valid_until.isoformat(),
            "recovered_on": card.recovered_on.isoformat() if card.recovered_on else None,
            "recover_reason": card.recover_reason}


def grant_row(g: Grant, staff: dict[str, StaffMember], today: date) -> dict[str, Any]:
    """One line of 権限設定状況の一覧表: the grant, its holder and its state today."""
    return {
        "staff_id": g.staff_id, "staff_name": staff[g.staff_id].name if g.staff_id in staff else None,
        "staff_department": staff[g.staff_id].department if g.staff_id in staff else None,
        "grant_id": g.grant_id, "function": g.function, "purpose": g.purpose, "legal_basis": g.legal_basis,
        "department": g.department, "valid_from": g.valid_from.isoformat(),
        "valid_until": g.valid_until.isoformat(), "granted_by": g.granted_by, "granted_at": g.granted_at,
        "state": grant_state(g, staff.get(g.staff_id), today).value,
    }
