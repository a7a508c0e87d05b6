"""Seeding premium ledgers on the embedded AWS (tests and benchmarks; local only, never in the layer), as the
annual run and the qualification area leave them: what the collection adapter reads (kokuho.records.collection,
kokuho.records.payer_ledgers) and nothing else.

- the ledger's charge (kokuho.records.collection.add_charge);
- the household's case key of the year (the years a payer's ledgers are looked for in) — only when there is
  none, and without the case indexes, so no assessment run takes it for a case;
- the payer's membership of the household (a `registered` history entry) — only when the person's items do not
  already name it, as a registration would have.
"""

from __future__ import annotations

import json

import boto3
from pynamodb.transactions import TransactWrite

from kokuho.collection.ledger import Charge
from kokuho.platform.tables import aws_region, table
from kokuho.records.base import connection
from kokuho.records.collection import add_charge
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


def seed_ledger(*charges: Charge, decreased: bool = False) -> None:
    """Ledgers charged as the annual run charges them (one transaction), with their case keys and payers."""
    with TransactWrite(connection=connection()) as tx:
        for charge in charges:
            add_charge(tx, charge, decreased=decreased)
    for charge in charges:
        seed_links(charge)
