"""Lambdas of the audit-anchor state machine (hourly): verify the access history, then sign its digest."""

from __future__ import annotations

from typing import Any

from kokuho.access.digest import verify as verify_history
from kokuho.access.digest import write_digest
from kokuho.access.run_identity import acts_as_run
from kokuho.platform.observability import get_logger

logger = get_logger("audit-anchor")
WORKFLOW = "audit-anchor"  # the run's workflow: its data-access session's terminal tag (issue 11 item 1)
PURPOSE = "アクセス記録の検証と署名 (改ざん検知)"
MAX_BREAKS_IN_OUTPUT = 50  # the execution history is not the place for a long list; the log has all


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def verify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """`kokuho audit verify` on a schedule: the state machine fails (and the alarm fires) unless intact."""
    result = verify_history()
    out = {"intact": result.intact, "chains": result.chains, "records": result.records,
           "digests": result.digests, "breaks": result.breaks[:MAX_BREAKS_IN_OUTPUT],
           "break_count": len(result.breaks)}
    for b in result.breaks:
        logger.error("access history broken", extra={"break": b})
    logger.info("access history verified", extra={k: v for k, v in out.items() if k != "breaks"})
    return out


@acts_as_run(WORKFLOW, PURPOSE)
@logger.inject_lambda_context(log_event=False)
def digest(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Sign the next digest of every chain's head. The clock is never taken from the input."""
    out = write_digest()
    logger.info("access digest written", extra=out)
    return out
