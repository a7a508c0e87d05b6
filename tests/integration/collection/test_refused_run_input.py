"""A scheduled run started with an input its first step refuses fails at once on the embedded AWS (the state
machine CDK deploys): the refusal (kokuho.access.run_inputs.InputRefused) is not retried — one attempt, not four
spread over 3.5 minutes — and the execution's cause names the field, never the value."""

from __future__ import annotations

import secrets
import time

import pytest

from kokuho_local.embedded import EmbeddedAWS, ExecutionFailed


@pytest.mark.parametrize(("given", "named"), [({"on": "2024-02-30"}, "on: must be a date"),
                                              ({"on": "2024-07-10", "day": "2024-02-31"}, "day: unknown field")])
def test_a_refused_input_fails_the_run_at_once(aws: EmbeddedAWS, given: dict[str, str], named: str) -> None:
    arn = aws.start_state_machine("collection-reminders", given, name=f"refused-{secrets.token_hex(4)}")
    started = time.monotonic()
    with pytest.raises(ExecutionFailed) as info:
        aws.wait_execution(arn, timeout_s=20)  # retried, the first retry alone waited 30 s
    assert time.monotonic() - started < 20
    assert info.value.error == "InputRefused"
    cause = info.value.cause or ""
    assert named in cause
    assert "2024-02-30" not in cause and "2024-02-31" not in cause
    scheduled = [e for e in aws.history(arn) if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled")]
    assert len(scheduled) == 1


@pytest.mark.parametrize(("given", "named"), [({"mode": "writeoff"}, "mode: must be one of"),
                                              ({"mode": None}, "mode: must be one of")])
def test_an_unknown_arrears_mode_fails_the_run_at_once(aws: EmbeddedAWS, given: dict[str, object],
                                                       named: str) -> None:
    # It was a plain ValueError from the run's domain: retried four times over 3.5 minutes like a fault.
    arn = aws.start_state_machine("collection-arrears", given, name=f"refused-{secrets.token_hex(4)}")
    with pytest.raises(ExecutionFailed) as info:
        aws.wait_execution(arn, timeout_s=20)
    assert info.value.error == "InputRefused" and named in (info.value.cause or "")
    scheduled = [e for e in aws.history(arn) if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled")]
    assert len(scheduled) == 1


def test_a_run_named_as_a_member_of_staff_fails_at_once(aws: EmbeddedAWS) -> None:
    # The execution's name is the run's source identity; one that is a staff id is refused (run_identity). It was a
    # DataAccessRefused, which the retriers took for a fault: four attempts over 3.5 minutes, refused each time.
    arn = aws.start_state_machine("collection-reminders", {"on": "2024-07-10"}, name="S0301")
    with pytest.raises(ExecutionFailed) as info:
        aws.wait_execution(arn, timeout_s=20)
    assert info.value.error == "InputRefused" and "staff" in (info.value.cause or "")
    scheduled = [e for e in aws.history(arn) if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled")]
    assert len(scheduled) == 1
