"""A handler invoked in-process sees its own function's environment, as on Lambda (issue 10 item 2):
what its catalog entry declares (the variables CDK sets) and what the runtime provides — never the
variables of the process that runs the embedded AWS (a test's, a developer's shell)."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from kokuho.platform.tables import table
from kokuho_local import local_lambda
from kokuho_local.embedded import EmbeddedAWS, embedded_aws

RUNTIME = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
           "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
           "AWS_LAMBDA_LOG_GROUP_NAME", "_HANDLER"}


def environment(event: dict[str, Any], context: object) -> dict[str, str]:
    return dict(os.environ)


@pytest.fixture
def probed(aws: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> EmbeddedAWS:
    for handler in ("assessment.batch.handler", "linkage.federation.list_incoming"):
        monkeypatch.setitem(local_lambda._HANDLERS, handler, environment)
    return aws


def test_the_handler_sees_exactly_its_declared_environment(probed: EmbeddedAWS,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOKUHO_LINKAGE_RESULT_DAYS", "1")  # the process's, not the function's
    monkeypatch.setenv(table("staff").env_var, "kokuho-staff")
    env = probed.invoke("assessment-batch", {})
    declared = probed.client("lambda").get_function_configuration(
        FunctionName="kokuho-assessment-batch")["Environment"]["Variables"]
    assert {k: env[k] for k in declared} == declared
    assert set(env) - set(declared) <= RUNTIME | {"POWERTOOLS_TRACE_DISABLED", "PATH"}
    assert "KOKUHO_LINKAGE_RESULT_DAYS" not in env and table("staff").env_var not in env
    assert env[table("assessment").env_var] == "kokuho-assessment"  # its own table, declared
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "kokuho-assessment-batch"
    assert os.environ["KOKUHO_LINKAGE_RESULT_DAYS"] == "1"  # the process keeps its own


def test_a_variable_set_on_the_function_reaches_it_and_only_it(probed: EmbeddedAWS) -> None:
    with probed.function_environment("assessment-batch", KOKUHO_LINKAGE_RESULT_DAYS="3"):
        assert probed.invoke("assessment-batch", {})["KOKUHO_LINKAGE_RESULT_DAYS"] == "3"
        assert "KOKUHO_LINKAGE_RESULT_DAYS" not in probed.invoke("linkage-federation-list", {})
    assert "KOKUHO_LINKAGE_RESULT_DAYS" not in probed.invoke("assessment-batch", {})  # restored


def test_concurrent_invocations_each_see_their_own(probed: EmbeddedAWS, monkeypatch: pytest.MonkeyPatch) -> None:
    """Distributed Map iterations invoke on several threads at once."""
    barrier = threading.Barrier(2, timeout=30)

    def together(event: dict[str, Any], context: object) -> dict[str, str]:
        barrier.wait()  # both handlers are running at this point
        return dict(os.environ)

    monkeypatch.setitem(local_lambda._HANDLERS, "assessment.batch.handler", together)
    monkeypatch.setitem(local_lambda._HANDLERS, "linkage.federation.list_incoming", together)
    seen: dict[str, dict[str, str]] = {}

    def call(logical: str) -> None:
        seen[logical] = probed.invoke(logical, {})

    threads = [threading.Thread(target=call, args=(lg,)) for lg in ("assessment-batch", "linkage-federation-list")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert seen["assessment-batch"]["AWS_LAMBDA_FUNCTION_NAME"] == "kokuho-assessment-batch"
    assert seen["linkage-federation-list"]["AWS_LAMBDA_FUNCTION_NAME"] == "kokuho-linkage-federation-list"
    assert table("assessment").env_var not in seen["linkage-federation-list"]


def test_a_deployment_wide_setting_is_declared_on_every_function(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(local_lambda._HANDLERS, "assessment.batch.handler", environment)
    with embedded_aws(function_environment={"POWERTOOLS_LOG_LEVEL": "WARNING"}) as aws:
        assert aws.invoke("assessment-batch", {})["POWERTOOLS_LOG_LEVEL"] == "WARNING"
