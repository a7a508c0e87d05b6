"""The access-record leak scan of the API tests (qualification_helpers.access_records_text) leaves out an
access record's AWS request ids when they are UUIDs — their last group reads as a valid My Number about
once in a few hundred requests, which made route tests fail at random — and scans everything else."""

from __future__ import annotations

from qualification_helpers import _without_aws_request_ids

from kokuho.identity.mynumber import check_digit, count_my_numbers


def _number() -> str:
    body = "40130700012"
    return body + str(check_digit(body))


def test_a_uuid_request_id_is_not_scanned_anything_else_is() -> None:
    n = _number()
    item = {"request_id": {"S": f"6f1c2b1e-0d7a-4c8e-9a51-{n}"},
            "api_request_id": {"S": f"c0ffee00-1234-4abc-8def-{n}"}, "operation": {"S": "read"}}
    assert _without_aws_request_ids(item) == {"operation": {"S": "read"}}
    for key in ("request_id", "purpose"):
        kept = _without_aws_request_ids({key: {"S": f"run-{n}"}})
        assert count_my_numbers(str(kept), inside_identifiers=True) == 1
