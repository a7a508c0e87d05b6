"""A workflow step's session outlives the step (issue 11 item 1): an invocation of a batch may run to its
function's timeout (up to 15 minutes), and every call it makes is signed with the session it started with —
so a cached session is reused only if it stays valid for the time the invocation has left (plus the
margin), and a new one is asked for that long; an API request (seconds) keeps the 15-minute sessions."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from fakes.recording_sts import RecordingSTS

from kokuho.access.data_role import DURATION_SECONDS, REFRESH_MARGIN_SECONDS, ROLE_ENV, Caller, DataAccessSessions
from kokuho.access.run_identity import acts_as_run
from kokuho.platform.tables import AWS_REGION
from kokuho_local.embedded import EmbeddedAWS

ROLE = "arn:aws:iam::123456789012:role/kokuho-assessment-batch-data"
RUN = Caller("monthly-2026-11", "monthly-assessment", "kokuho-assessment-batch", "賦課")


def test_a_session_is_reused_only_if_it_outlasts_the_invocation(aws: EmbeddedAWS) -> None:
    now = [time.time()]
    sts = RecordingSTS()
    sessions = DataAccessSessions(ROLE, lambda: sts, clock=lambda: now[0])
    first = sessions.credentials(RUN)  # an API-length use: the 15-minute session
    assert sts.requests[-1]["DurationSeconds"] == DURATION_SECONDS
    now[0] += 600  # 5 minutes left: enough for a request of seconds, not for a batch of 14 minutes
    assert sessions.credentials(RUN) is first
    longer = sessions.credentials(RUN, valid_for=840)
    assert longer is not first and sessions.assumed == 2
    assert sts.requests[-1]["DurationSeconds"] >= 840 + REFRESH_MARGIN_SECONDS
    assert sessions.credentials(RUN, valid_for=120) is longer  # and that one serves what it outlasts


def test_a_workflow_step_asks_for_the_time_it_has_left(aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    import kokuho.access.data_role as data_role

    sts = RecordingSTS()
    sessions = DataAccessSessions(ROLE, lambda: sts)
    monkeypatch.setenv(ROLE_ENV, ROLE)
    monkeypatch.setattr(data_role, "_default_sessions", lambda: sessions)

    @acts_as_run("monthly-assessment", "賦課")
    def handler(event: dict[str, Any], context: Any) -> str:
        return str(boto3.client("sts", region_name=AWS_REGION).get_caller_identity()["Arn"])

    context = SimpleNamespace(aws_request_id="6f1c2b1e-0000-4c8e-9a51-3f0e2d9b7c10", function_name="kokuho-x",
                              get_remaining_time_in_millis=lambda: 899_000)
    arn = handler({"execution_name": "monthly-2026-11"}, context)
    assert arn.endswith("/kokuho-assessment-batch-data/monthly-2026-11")
    (request,) = sts.requests
    assert request["SourceIdentity"] == "monthly-2026-11"
    assert request["DurationSeconds"] >= 899 + REFRESH_MARGIN_SECONDS
