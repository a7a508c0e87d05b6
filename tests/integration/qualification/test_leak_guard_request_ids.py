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


def test_a_hex_digest_in_a_response_is_not_a_leak_a_number_in_an_id_still_is() -> None:
    """The request desk answers with the SHA-256 of each disclosure (64 hex characters): about one digest in
    sixty holds a run of twelve digits with a valid check digit, which failed the desk's tests at random."""
    import pytest
    from qualification_helpers import LeakWatch

    n = _number()
    watch = LeakWatch()
    watch.responses.append('{"pdf_sha256": "' + "f" * 20 + n + "e" * 32 + '"}')
    watch.assert_no_my_number()
    for leak in (f'{{"id": "P{n}"}}', f'{{"note": "{n[:4]}-{n[4:8]}-{n[8:]}"}}', '{"ref": "abcdef' + n + '"}'):
        watch.responses[:] = [leak]
        with pytest.raises(AssertionError):
            watch.assert_no_my_number()
