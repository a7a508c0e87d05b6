"""Seeding premium ledgers on the embedded AWS (tests and benchmarks; local only, never in the layer), as the
annual run and the qualification area leave them: what the collection adapter reads (kokuho.records.collection,
kokuho.records.ledger_charges, kokuho.records.payer_ledgers) and nothing else.

- the assessment version that charges the ledger (its document's notice, payer, annual and installments — the
  charge is `charge_from_version` of them); a version item already there (a test's own) gets the notice, payer
  and installments added to its document;
- the household's case key of the year (the years a payer's ledgers are looked for in) — only when there is
  none, and without the case indexes, so no assessment run takes it for a case;
- the payer's membership of the household (a `registered` history entry) — only when the person's items do not
  already name it, as a registration would have.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from kokuho.collection.ledger import ORDINARY, Charge
from kokuho.platform.tables import aws_region, table
from kokuho.records.assessments import AssessmentVersionModel
from kokuho.records.payer_ledgers import households_of_person


def _put_absent(logical: str, item: dict[str, dict[str, str]]) -> None:
    client = boto3.client("dynamodb", region_name=aws_region())
    try:
        client.put_item(TableName=table(logical).name(), Item=item, ConditionExpression="attribute_not_exists(pk)")
    except client.exceptions.ConditionalCheckFailedException:
        pass


def seed_links(charge: Charge) -> None:
    """The case key of the ledger's year and the payer's membership of its household."""
    household, fy, payer = charge.household_id, charge.fiscal_year, charge.payer_id
    _put_absent("assessment", {"pk": {"S": f"HHCASE#{household}"}, "sk": {"S": f"FY#{fy}"}})
    if household not in households_of_person(payer):
        _put_absent("qualification", {
            "pk": {"S": f"PERSON#{payer}"}, "sk": {"S": f"HIST#000000#{household}"}, "seq": {"N": "0"},
            "kind": {"S": "registered"}, "effective_on": {"S": f"{fy}-04-01"},
            "detail": {"S": json.dumps({"household_id": household, "relationship": "世帯主"})},
            "recorded_at": {"S": f"{fy}-04-01T00:00:00+00:00"}, "recorded_by": {"S": "test-seed"},
            "terminal_id": {"S": "test-seed"}})


def _installments(charge: Charge) -> list[dict[str, Any]]:
    return [{"due": i.month, "amount": i.amount, **({"kind": i.kind} if i.kind != ORDINARY else {})}
            for i in charge.installments]


def seed_version(charge: Charge) -> None:
    """The version whose charge is `charge` (a 決定通知 for version 1, a 変更通知 after)."""
    household, fy = charge.household_id, charge.fiscal_year
    pk, sk = AssessmentVersionModel.pk_of(household, fy), AssessmentVersionModel.sk_of(charge.version)
    charged = {"notice": "決定通知" if charge.version == 1 else "変更通知", "payer_id": charge.payer_id,
               "installments": _installments(charge)}
    try:
        item = AssessmentVersionModel.get(pk, sk, consistent_read=True)
    except AssessmentVersionModel.DoesNotExist:
        AssessmentVersionModel(pk, sk, version=charge.version, run_id="seed", content_hash=f"seed-{charge.version}",
                               doc={"household_id": household, "fiscal_year": fy, "batch_id": "seed",
                                    "as_of_month": f"{fy}-06", "created_at": f"{fy}-06-01T00:00:00+00:00",
                                    "result": {"annual": charge.annual}, "diff": {}, "difference": 0, "refund": 0,
                                    "status": "確定", "decided": True, **charged}).save()
        return
    doc = dict(item.doc)
    item.doc = {**doc, **charged, "result": {**doc.get("result", {}), "annual": charge.annual}}
    item.save()


def seed_ledger(*charges: Charge) -> None:
    """Ledgers charged as the annual run charges them, with their case keys and payers."""
    for charge in charges:
        seed_version(charge)
        seed_links(charge)
