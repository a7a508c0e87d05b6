"""Probe: `--as STAFF` is typed, not authenticated — whoever could run a command could name any member holding the
grant, and the record said only that member and `--terminal` (typed too, default `cli`): a false claim left no
trace of who made it. Every record a command writes now carries where its identity came from (`terminal_source`:
the OS login, the host and the AWS principal of the credentials, account left out), and credentials that are a
member's own login session (an assumed role whose session name is a staff id) bind `--as` to that member."""

from __future__ import annotations

import getpass

import boto3
import pytest
from qualification_helpers import register_couple

from kokuho.access.records import records_by_staff
from kokuho.cli.acting import cli_source
from kokuho.cli.main import main as cli_main
from kokuho.dates.tokyo import today_jst
from kokuho.identity.mynumber import contains_my_number

TODAY = today_jst().isoformat()
SECURITY, OTHER = "S1013", "S1002"


def _search(staff: str) -> int:
    return cli_main(["audit", "who-accessed", "P0001", "--from", TODAY, "--to", TODAY, "--as", staff])


def test_a_commands_records_name_the_login_and_credentials_that_made_them(staffed: None,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    register_couple(OTHER)
    assert _search(SECURITY) == 0 and _search("S1006") == 1  # granted; refused (no grant)
    capsys.readouterr()
    for staff in (SECURITY, "S1006"):
        (record,) = [r for r in records_by_staff(staff) if r.category == "access_records"]
        assert record.terminal_id == "cli" and record.terminal_source == cli_source()
        assert record.terminal_source.startswith(f"cli:os_user={getpass.getuser()},host=")
        assert record.terminal_source.endswith(",principal=user/moto")  # moto's default caller, no account id
        assert not contains_my_number(record.terminal_source)


def test_a_members_own_session_binds_the_as_to_that_member(staffed: None, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    register_couple(OTHER)
    sts = boto3.client("sts", region_name="ap-northeast-1")
    creds = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/kokuho-staff", RoleSessionName=OTHER)["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # a new command's process: credentials read afresh
    # S1002's own session claims the security team's S1013 (who holds the grant): refused, recorded as S1002's
    assert _search(SECURITY) == 1
    out, err = capsys.readouterr()
    assert out == "" and "refused: --as is not the member of staff of these credentials (S1002)" in err
    assert not [r for r in records_by_staff(SECURITY) if r.category == "access_records"]
    (refused,) = [r for r in records_by_staff(OTHER) if r.category == "access_records"]
    assert (refused.result, refused.subject_ids, refused.purpose) == (
        "denied", ["P0001"], "(--as names another member of staff)")
    assert refused.terminal_source is not None
    assert refused.terminal_source.endswith(",principal=assumed-role/kokuho-staff/S1002")


@pytest.mark.parametrize("terminal", ["=HYPERLINK(\"x\")", "T SEC 01", "Ｔ-SEC-01", "T-SEC-01\n", "x" * 500])
def test_a_terminal_is_of_a_registered_terminals_form(staffed: None, terminal: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    # The API takes a terminal id only of a registered terminal's form (kokuho.access.identity.valid_terminal_id);
    # `--terminal` was recorded as typed — a formula, a space, full width, a newline, 500 characters.
    register_couple(OTHER)
    code = cli_main(["audit", "who-accessed", "P0001", "--from", TODAY, "--to", TODAY, "--as", SECURITY,
                     "--terminal", terminal])
    err = capsys.readouterr().err
    assert code == 2 and "--terminal" in err and terminal not in err
    assert not [r for r in records_by_staff(SECURITY) if r.category == "access_records"]
