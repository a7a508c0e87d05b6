"""Lambda: intake of a 賦課用世帯情報 file from the exchange bucket — validated whole, then applied. The
file's My Numbers go to the vault function (this role holds nothing of the My Number table or key)."""

from __future__ import annotations

import json
from typing import Any

import boto3

from kokuho.access.records import Actor
from kokuho.access.run_identity import acts_as_run, current_run
from kokuho.assessment.intake import apply_file, validate_file
from kokuho.identity.vault import store_through_vault
from kokuho.platform.catalog.qualification import VAULT_FUNCTION
from kokuho.platform.exchange import read_delivered
from kokuho.platform.observability import get_logger
from kokuho.platform.tables import BUCKETS_BY_LOGICAL, aws_region

logger = get_logger("assessment-case-intake")
WORKFLOW = "case-intake"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
PURPOSE = "賦課用世帯情報の取込 (国保法第76条)"


def _invoke_vault(payload: dict[str, Any]) -> dict[str, Any]:
    resp = boto3.client("lambda", region_name=aws_region()).invoke(
        FunctionName=f"kokuho-{VAULT_FUNCTION}", Payload=json.dumps(payload).encode("utf-8"))
    body = json.loads(resp["Payload"].read() or b"{}")
    if resp.get("FunctionError"):  # the vault's error type only: its message may describe the input
        raise RuntimeError(f"the vault refused the intake's numbers ({body.get('errorType', 'error')})")
    return dict(body)


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket = str(event.get("bucket") or BUCKETS_BY_LOGICAL["exchange"].name())
    key = str(event["key"])
    body = read_delivered(boto3.client("s3", region_name=aws_region()), bucket, key)  # never a file named with a number
    parsed, errors = validate_file(body)  # bytes: the encoding and the trailer are checked too
    if errors:
        logger.warning("intake file rejected", extra={"key": key, "errors": len(errors)})
        return {"accepted": False, "key": key, "errors": [e.as_dict() for e in errors]}
    actor = Actor(staff_id="system:case-intake", terminal_id=current_run(), purpose=PURPOSE)
    counts = apply_file(parsed, actor=actor, store_my_number=None)
    numbers = [(person_id, number) for p in parsed for person_id, number in p.persons]
    counts["my_numbers"] = store_through_vault(numbers, actor, _invoke_vault)
    logger.info("intake file applied", extra={"key": key, "households": counts["households"]})
    return {"accepted": True, "key": key, **counts}
