"""Lambda: the retention run over every class of kokuho/data/retention — `report` (what is due, by class and
count, no personal data) or `purge` (delete it, one access record per class with the count); a person under
a legal hold keeps their records (kokuho.retention.holds)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3

from kokuho.access.actor import Actor
from kokuho.access.digest import load_chain
from kokuho.access.records import record_access
from kokuho.access.run_identity import acts_as_run, run_id_of
from kokuho.access.run_inputs import flag, one_of, only_fields, run_fields
from kokuho.identity.vault import forget_through_vault
from kokuho.platform.catalog.qualification import VAULT_FUNCTION
from kokuho.platform.observability import get_logger
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region
from kokuho.retention.run import run_retention
from kokuho.retention.wiring import access_purge, hold_store, record_tables

logger = get_logger("linkage-retention")
WORKFLOW = "linkage-retention"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
PURPOSE = "保存期間を過ぎた記録の消去"
MODES = ("report", "purge")


def _invoke_vault(payload: dict[str, Any]) -> dict[str, Any]:
    """The vault function (the only one with rights on the My Number table): a past person's number goes first."""
    resp = boto3.client("lambda", region_name=aws_region()).invoke(
        FunctionName=f"kokuho-{VAULT_FUNCTION}", Payload=json.dumps(payload).encode("utf-8"))
    body = json.loads(resp["Payload"].read() or b"{}")
    if resp.get("FunctionError"):  # the vault's error type only
        raise RuntimeError(f"the vault refused the retention's persons ({body.get('errorType', 'error')})")
    return dict(body)


def anchored_floors(s3: Any) -> dict[str, int] | None:
    """The chains' floors the signed digests anchored (kokuho.retention.access_records); None — no access
    record purged — when the digests cannot be read or do not verify."""
    chain = load_chain(s3=s3, kms=boto3.client("kms", region_name=aws_region()))
    if not chain.bucket_found or chain.problems:
        return None
    return {name: seq for name, (seq, _) in chain.floors.items()}


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    only_fields(event, ("mode", "execution_name", "execution_id", "input"))
    mode = one_of(event, "mode", MODES, "purge")
    # The execution's own input, given to the first step (the report): a misspelt {"dryrun": true} or a
    # {"dry_run": "true"} fell through the state machine's choice to the purge. Refused before anything goes.
    flag(run_fields(event.get("input", {}), ("dry_run",)), "dry_run")
    run_id = run_id_of(event, context)
    actor = Actor("system:retention", run_id, PURPOSE, chain=f"RETENTION#{run_id}")

    def record(class_id: str, category: str, count: int) -> None:
        # what was purged, by class and count: the subject is the class, never a person
        record_access(actor, [f"RETENTION#{class_id}"], category, f"purge:{count}")

    # The clock is never taken from the input: a scheduled purge cannot be told to purge early.
    s3 = boto3.client("s3", region_name=aws_region())
    out = run_retention(datetime.now(UTC), s3=s3,
                        bucket_name=lambda b: BUCKETS_BY_LOGICAL[b].name(), dry_run=mode == "report",
                        holds=hold_store().held_persons(), record=record, record_tables=record_tables(),
                        access_log=access_purge(), access_floors=anchored_floors(s3), run_id=run_id,
                        forget_numbers=lambda persons: forget_through_vault(persons, actor, _invoke_vault))
    logger.info("retention run", extra={"mode": mode, "classes": out["classes"]})
    return out
