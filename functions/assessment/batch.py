"""Lambda: one batch of the monthly assessment (Distributed Map item), idempotent on run id + batch id."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from kokuho.access.records import holding_begun_heads
from kokuho.access.run_identity import acts_as_run
from kokuho.assessment.monthly import assess_batch
from kokuho.assessment.run_input import PURPOSE
from kokuho.platform.observability import get_logger
from kokuho.platform.tables import table

logger = get_logger("assessment-batch")
WORKFLOW = "monthly-assessment"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
persistence = DynamoDBPersistenceLayer(table_name=table("idempotency").name())
# Business key, not the raw event: a duplicate delivery of the same batch of the same run is one job.
config = IdempotencyConfig(event_key_jmespath="[run_id, batch.batch_id]", raise_on_no_idempotency_key=True,
                           expires_after_seconds=24 * 3600)


@idempotent_function(data_keyword_argument="event", persistence_store=persistence, config=config)
def assess(event: dict[str, Any]) -> dict[str, Any]:
    return assess_batch(event)


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The in-progress record expires with this invocation's remaining time (powertools reads it from the
    # registered context): a timed-out attempt blocks its retries only until the function's timeout, and
    # the state machine's retry after a timeout waits longer than that (monthly_assessment.asl.json).
    config.register_lambda_context(context)
    # The batch's chain (run#batch) is written only by the batch's attempts and duplicates, each retrying
    # on any conflict: the head of the chain it begins is held, not read again for each chunk's record.
    with holding_begun_heads():
        out = assess(event=event)
    logger.info("batch assessed", extra=out)
    return out
