"""Which run a workflow step acts as (kokuho.access.run_identity) and the request ids it carries
(kokuho.platform.request_ids): the execution's name, else the invocation; a source identity STS accepts,
never two runs the same one, never a My Number."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kokuho.access.data_role import DataAccessRefused
from kokuho.access.run_identity import acts_as_run, run_caller, run_id_of, run_source_identity
from kokuho.access.run_inputs import InputRefused
from kokuho.identity.mynumber import check_digit, contains_my_number
from kokuho.platform.request_ids import USER_AGENT_MARK, lambda_ids, mark_user_agent, serving

CONTEXT = SimpleNamespace(aws_request_id="6f1c2b1e-0d7a-4c8e-9a51-3f0e2d9b7c10", function_name="kokuho-x")
ARN = "arn:aws:states:ap-northeast-1:123456789012:execution:kokuho-monthly-assessment:monthly-2026-11"


def test_the_run_is_the_executions_name_else_the_invocation() -> None:
    assert run_id_of({"execution_name": "annual-2024-06"}, CONTEXT) == "annual-2024-06"
    assert run_id_of({"execution_id": ARN, "batch": {}}, CONTEXT) == "monthly-2026-11"
    assert run_id_of({"key": "incoming/a.jsonl"}, CONTEXT) == CONTEXT.aws_request_id  # started on its own
    with pytest.raises(DataAccessRefused):
        run_id_of({}, SimpleNamespace())


def test_a_source_identity_sts_accepts_distinct_per_run_never_a_my_number() -> None:
    assert run_source_identity("monthly-2026-11") == "monthly-2026-11"
    long_a, long_b = "a" * 70 + "-1", "a" * 70 + "-2"  # execution names run to 80 characters
    ids = {run_source_identity(long_a), run_source_identity(long_b), run_source_identity("月次 2026/11")}
    assert len(ids) == 3 and all(len(i) <= 64 and i.isascii() for i in ids)
    number = "12345678901" + str(check_digit("12345678901"))
    for bad in ("", f"run-{number}"):
        with pytest.raises(InputRefused):
            run_source_identity(bad)
    caller = run_caller("monthly-2026-11", "monthly-assessment", "kokuho-assessment-batch", "賦課")
    assert (caller.source_identity, caller.terminal) == ("monthly-2026-11", "monthly-assessment")


class _Request:
    def __init__(self, agent: str) -> None:
        import email.message

        self.headers = email.message.Message()
        self.headers["User-Agent"] = agent


def test_inside_a_request_every_call_names_it_in_its_user_agent_once() -> None:
    request = _Request("Boto3/1.0 Botocore/1.0")
    mark_user_agent(request)
    assert request.headers.get_all("User-Agent") == ["Boto3/1.0 Botocore/1.0"]  # outside: unchanged
    ids = lambda_ids(CONTEXT, api_request_id="c0ffee-1", run_id="monthly-2026-11")
    with serving(ids):
        mark_user_agent(request)
        mark_user_agent(request)  # a retry is signed again: still one mark, one header
    assert request.headers.get_all("User-Agent") == [
        f"Boto3/1.0 Botocore/1.0 {USER_AGENT_MARK}{CONTEXT.aws_request_id}"]
    # an unfit id from an event is left out, never a reason to fail the request
    assert lambda_ids(SimpleNamespace(), api_request_id="x y").api_request_id is None
    assert lambda_ids(SimpleNamespace()).request_id == "local"


def test_an_invocation_whose_request_id_reads_as_a_my_number_still_acts_as_its_run() -> None:
    """A step started without an execution name (the payment intake's Payload {}) acts as its invocation:
    AWS's request id, a UUID whose last group is twelve digits with a valid check digit about once in a few
    hundred invocations — which refused the whole payment file (the demo test failed at random). AWS's id is
    taken as it is; a run name someone chose in that shape is still refused."""
    from kokuho.access.run_identity import acts_as_run

    number = "40130700012" + str(check_digit("40130700012"))
    uuid = f"6f1c2b1e-0d7a-4c8e-9a51-{number}"
    context = SimpleNamespace(aws_request_id=uuid, function_name="kokuho-x",
                              get_remaining_time_in_millis=lambda: 60_000)
    step = acts_as_run("collection-payment-intake", "収納")(lambda event, ctx: "ran")
    assert step({}, context) == "ran"
    assert run_source_identity(uuid) == uuid


def test_a_scheduled_execution_whose_generated_name_reads_as_a_my_number_still_runs() -> None:
    """A scheduled execution (EventBridge → Step Functions) is named by Step Functions: a UUID, whose last group
    reads as a valid My Number about once in 2,800 executions — which refused the whole run (a month's assessment,
    a payment file) at random. The name is AWS's default and already stands in CloudTrail's StartExecution event
    whatever a step does with it, so refusing it protected nothing: a canonical UUID is taken as it is, and every
    other shape of a name holding a My Number is still refused."""
    from kokuho.access.run_identity import acts_as_run

    number = "40130700012" + str(check_digit("40130700012"))
    name = f"6f1c2b1e-0d7a-4c8e-9a51-{number}"
    context = SimpleNamespace(aws_request_id="0c9e2f4a-1b2c-4d5e-8f60-abcdefabcdef", function_name="kokuho-x",
                              get_remaining_time_in_millis=lambda: 60_000)
    step = acts_as_run("monthly-assessment", "賦課")(lambda event, ctx: "ran")
    assert step({"execution_name": name}, context) == "ran"
    assert run_source_identity(name) == name
    for chosen in (f"run-{number}", f"{number[:4]}-{number[4:8]}-{number[8:]}", name.upper(), name + "x",
                   f"6f1c2b1e-0d7a-4c8e-9a51-{number}-{number}"):
        with pytest.raises(InputRefused):
            step({"execution_name": chosen}, context)


def test_only_aws_own_request_id_exactly_in_its_shape_is_taken_as_it_is() -> None:
    """The one rule (kokuho.identity.mynumber.is_aws_request_id): a lower-case canonical UUID and nothing around it.
    A request id with a line break after it, in capitals or braced is no id AWS writes: checked like any run name."""
    from kokuho.identity.mynumber import is_aws_request_id

    number = "40130700012" + str(check_digit("40130700012"))
    uuid = f"6f1c2b1e-0d7a-4c8e-9a51-{number}"
    assert is_aws_request_id(uuid)
    for other in (uuid + "\n", uuid.upper().replace(number, number), "{" + uuid + "}", " " + uuid, number):
        assert not is_aws_request_id(other), other
        with pytest.raises(InputRefused):
            run_source_identity(other)


@pytest.mark.parametrize("name", ["S0301", "K1017", "ABC1234567"])
def test_a_run_is_never_named_as_a_member_of_staff(name: str) -> None:
    """A run's source identity is the name its execution was started with, and a member of staff's is their staff
    id: an execution started as "S0301" put S0301 on every data event of the run — the bulk-read finding (whose
    runbook suspends the principal's grants) and the staff-activity query named S0301 for the monthly run's reads.
    Refused before the step runs, as a name holding a My Number is."""
    with pytest.raises(InputRefused, match="staff"):
        run_source_identity(name)
    ran = []

    @acts_as_run("monthly-assessment", "賦課")
    def step(event: object, context: object) -> None:
        ran.append(event)

    with pytest.raises(InputRefused):
        step({"input": {"on": "2026-11-01"}, "execution_name": name}, CONTEXT)
    assert ran == []
    assert run_source_identity(f"{name}-rerun") == f"{name}-rerun"  # not a staff id: a name like any other


LONG_RUN = "monthly-assessment-run-with-a-long-name-from-the-scheduler-of-the-city-1767"


@settings(max_examples=300, deadline=None)
@given(run_id=st.from_regex(r"[a-z0-9 /:-]{60,80}", fullmatch=True).filter(lambda r: not contains_my_number(r)))
@example(run_id=LONG_RUN)  # sha256(run id)[:12] is twelve digits with a valid check digit
def test_a_long_run_id_s_source_identity_never_reads_as_a_my_number(run_id: str) -> None:
    """A run id that does not fit (too long, or characters STS refuses) is shortened with a digest of it: twelve hex
    characters were twelve digits with a valid check digit about one run id in three thousand, and the source
    identity was refused — the run failed at its first data access."""
    assert not contains_my_number(run_source_identity(run_id))
