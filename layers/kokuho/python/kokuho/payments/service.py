"""Payment-file intake on DynamoDB: kokuho.collection.payment_intake with the DynamoDB collection store and
the system actor of the intake (its access records name the file's run)."""

from __future__ import annotations

from datetime import date
from typing import Any

from kokuho.access.records import Actor
from kokuho.collection.payment_files import KINDS
from kokuho.collection.payment_intake import intake_payment_file
from kokuho.records.collection import DynamoCollectionStore

PURPOSE = "保険料の収納 (国保法第79条の2・地方自治法第231条の3)"
STAFF_ID = "system:payment-intake"


def take_payment_file(kind: str, data: bytes, *, key: str, run_id: str, received_on: date) -> dict[str, Any]:
    """Validate the whole file, match and apply it, or answer why not (nothing applied)."""
    if kind not in KINDS:
        return {"accepted": False, "key": key, "kind": kind,
                "errors": [{"line": 0, "field": "kind", "message": f"must be one of {', '.join(KINDS)}"}]}
    actor = Actor(staff_id=STAFF_ID, terminal_id=run_id, purpose=PURPOSE)
    return intake_payment_file(kind, data, store=DynamoCollectionStore(), actor=actor, key=key,
                               received_on=received_on)
