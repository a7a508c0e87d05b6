"""Probe: the command line was a way around the grants. `kokuho audit who-accessed|staff --as STAFF` searched the
access records, and `kokuho requests --as STAFF receive|decide|carry-out|…` received, decided and carried out a
person's request, for any `--as` — a member without the grant, one whose grant has expired, one retired, or one
holding only the desk's grant deciding what the API keeps to the chief (one grant per step, assessment V). Each
command now needs the member's active grant of the function its API route needs (kokuho.cli.acting, the one check;
`kokuho retention` already did): exit 1 with the reason, the refusal recorded as denied, nothing read or written."""

from __future__ import annotations

from pathlib import Path

import pytest
from qualification_helpers import register_couple

from kokuho.access.records import records_by_staff
from kokuho.cli.main import main as cli_main
from kokuho.dates.tokyo import today_jst

TODAY = today_jst().isoformat()
SECURITY, NO_GRANTS, EXPIRED, RETIRED, DESK, CHIEF = "S1013", "S1006", "S1007", "S1009", "S1015", "S1016"


def _denied(staff_id: str) -> list[tuple[str, str, list[str]]]:
    return [(r.category, r.operation, list(r.subject_ids)) for r in records_by_staff(staff_id) if r.result == "denied"]


def test_the_access_record_searches_need_the_security_teams_grant(staffed: None,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    register_couple("S1002")
    for staff in (NO_GRANTS, EXPIRED, RETIRED, DESK):
        assert cli_main(["audit", "who-accessed", "P0001", "--from", TODAY, "--to", TODAY, "--as", staff]) == 1
        assert cli_main(["audit", "staff", "S1002", "--from", TODAY, "--to", TODAY, "--as", staff]) == 1
        out, err = capsys.readouterr()
        assert out == "" and "P0001" not in err and err.count("refused: ") == 2
        assert _denied(staff) == [("access_records", "search_subject", ["P0001"]),
                                  ("access_records", "search_staff", ["STAFF:S1002"])]
        assert not [r for r in records_by_staff(staff) if r.result != "denied"]
    assert cli_main(["audit", "who-accessed", "P0001", "--from", TODAY, "--to", TODAY, "--as", SECURITY]) == 0
    assert "register" in capsys.readouterr().out


def test_a_request_is_received_decided_and_carried_out_each_with_its_own_grant(staffed: None, tmp_path: Path,
                                                                                capsys: pytest.CaptureFixture[str]
                                                                                ) -> None:
    register_couple("S1002")

    def requests(staff: str, *argv: str) -> int:
        return cli_main(["requests", "--as", staff, "--terminal", "T-SOUDAN-01", *argv])

    receive = ("receive", "R-0001", "--person", "P0001", "--kind", "disclosure", "--verification", "個人番号カード",
               "--on", TODAY)
    assert requests(NO_GRANTS, *receive) == 1 and requests(CHIEF, *receive) == 1  # the chief does not receive
    assert requests(DESK, *receive) == 0
    decide = ("decide", "R-0001", "--person", "P0001", "--outcome", "granted", "--on", TODAY)
    assert requests(DESK, *decide) == 1  # the desk receives; the decision is the chief's
    carry = ("carry-out", "R-0001", "--person", "P0001", "--on", TODAY, "--out", str(tmp_path))
    assert requests(EXPIRED, *decide) == 1 and requests(DESK, *carry) == 1
    assert requests(CHIEF, *decide) == 0 and requests(CHIEF, *carry) == 0
    assert (tmp_path / "disclosure-R-0001.pdf").is_file()
    assert requests(RETIRED, "due") == 1 and requests(NO_GRANTS, "inquiry-log", "Q-1", "--on", TODAY, "--channel",
                                                       "電話", "--question", "手続") == 1
    capsys.readouterr()
    assert ("requests", "decide", ["P0001"]) in _denied(DESK)
    assert ("requests", "receive", ["P0001"]) in _denied(NO_GRANTS)


def test_the_command_line_refuses_a_step_dated_to_come_as_the_api_does(staffed: None,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Probe: `kokuho requests` received a request, decided it and logged an inquiry on a day to come (2099: the
    request 'decided after the period'), which the API refuses (422, `_Dated`): the rule lived in the routes' models
    only. It is the workflow's own now (kokuho.requests.workflow), for both: exit 2 naming the field, nothing
    written."""
    from datetime import timedelta

    from kokuho.requests.wiring import store

    register_couple("S1002")
    tomorrow = (today_jst() + timedelta(days=1)).isoformat()

    def requests(staff: str, *argv: str) -> int:
        return cli_main(["requests", "--as", staff, "--terminal", "T-SOUDAN-01", *argv])

    def receive(day: str) -> int:
        return requests(DESK, "receive", "R-0001", "--person", "P0001", "--kind", "disclosure", "--verification",
                        "個人番号カード", "--on", day)

    assert receive(tomorrow) == 2 and "on" in capsys.readouterr().err
    assert store().open_requests() == []
    assert requests(DESK, "inquiry-log", "Q-1", "--on", tomorrow, "--channel", "電話", "--question", "手続") == 2
    assert receive(TODAY) == 0
    assert requests(CHIEF, "decide", "R-0001", "--person", "P0001", "--outcome", "granted", "--on", tomorrow) == 2
    assert [r.decision for r in store().open_requests()] == [None]


def test_the_command_line_refuses_request_details_that_say_two_things(staffed: None,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Probe: `kokuho requests receive --details` read its JSON leniently — a key given twice kept its last value (a
    訂正請求 naming two names stored the second), which the API's strict body parser refuses. The details are read as
    strictly as a case (kokuho.cli.case_input.parse): exit 2 naming details, nothing received."""
    from kokuho.requests.wiring import store

    register_couple("S1002")
    details = ('{"field": "name", "name_kanji": "北九 太郎", "name_kana": "キタキュウ タロウ", '
               '"name_kanji": "北九 次郎"}')
    code = cli_main(["requests", "--as", DESK, "--terminal", "T-SOUDAN-01", "receive", "R-0001", "--person", "P0001",
                     "--kind", "correction", "--verification", "個人番号カード", "--on", TODAY, "--details", details])
    assert code == 2 and "details" in capsys.readouterr().err
    assert store().open_requests() == []
