"""domain.md §3: the My Number check digit, and the CLI contract of interfaces.md."""

import logging
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kokuho.identity.mynumber import check_digit, is_valid, mask, validation_error
from kokuho.identity.redaction import REDACTED, install


@pytest.mark.parametrize("number", ["123456789018", "023456789013"])
def test_documented_valid_examples(number: str) -> None:
    assert is_valid(number)


def test_check_digit_arithmetic_by_hand() -> None:
    # 1·6+2·5+3·4+4·3+5·2+6·7+7·6+8·5+9·4+0·3+1·2 = 212; 212 mod 11 = 3; 11 − 3 = 8
    assert check_digit("12345678901") == 8


def test_remainder_of_one_or_zero_gives_check_digit_zero() -> None:
    # 0·… + 1·2 = 2 → 11−2 = 9; "00000000055": 5·3+5·2 = 25 mod 11 = 3 → 8; "00000000006": 6·2=12 mod 11 = 1 → 0
    assert check_digit("00000000006") == 0
    assert check_digit("00000000000") == 0


@pytest.mark.parametrize(
    ("number", "reason"),
    [("12345678901", "12 digits"), ("12345678901a", "digits only"), ("123456789012", "check digit")],
)
def test_invalid_numbers_give_a_reason_without_the_number(number: str, reason: str) -> None:
    message = validation_error(number)
    assert message is not None and reason in message and number not in message


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_exactly_one_check_digit_is_valid(first: str) -> None:
    valid = [d for d in "0123456789" if is_valid(first + d)]
    assert valid == [str(check_digit(first))]


def test_mask_reveals_no_digit() -> None:
    assert not any(c.isdigit() for c in mask("123456789018"))


@pytest.mark.parametrize(("number", "status"), [("123456789018", 0), ("123456789012", 1)])
def test_cli_exit_status_and_no_echo(number: str, status: int) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kokuho.cli.main", "mynumber", "validate", number],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == status
    assert number not in proc.stdout + proc.stderr


def test_log_filter_redacts_message_args_extra_and_exceptions(caplog: pytest.LogCaptureFixture) -> None:
    logger = install(logging.getLogger("kokuho.test.redaction"))
    with caplog.at_level(logging.INFO, logger="kokuho.test.redaction"):
        logger.info("number %s in args", "123456789018", extra={"detail": {"n": "023456789013"}})
        try:
            raise ValueError("bad 123456789018")
        except ValueError:
            logger.exception("failed")
    text = caplog.text + repr([vars(r) for r in caplog.records])
    assert "123456789018" not in text and "023456789013" not in text
    assert REDACTED in caplog.text


def test_leak_scan_counts_standalone_valid_numbers_only() -> None:
    from kokuho.identity.mynumber import count_my_numbers

    assert count_my_numbers('{"n": "123456789018"} n=023456789013 and 123456789012') == 2
    # Inside identifiers: an ARN account, a UUID group, a base64url hash, a longer digit run.
    assert count_my_numbers("arn:aws:x:123456789018 a1b2-123456789018 h_123456789018 1234567890180") == 0


def test_strict_scan_also_counts_numbers_inside_identifiers() -> None:
    from kokuho.identity.mynumber import count_my_numbers

    text = "arn:aws:x:123456789018 a1b2-123456789018 h_123456789018 1234567890180"
    assert count_my_numbers(text, inside_identifiers=True) == 3  # the 13-digit run is no My Number


@given(st.text(alphabet="0123456789-#:., TZabPRS+/\\u~\t\n\x1c_", max_size=40))
def test_a_text_with_too_few_digits_is_answered_as_the_scan_answers(text: str) -> None:
    from kokuho.identity import mynumber

    scanned = sum(1 for c in mynumber.find_candidates(text) if c.valid)
    loose = sum(1 for c in mynumber.find_candidates(text, across_lines=False) if c.whole and c.standalone and c.valid)
    assert mynumber.count_my_numbers(text, inside_identifiers=True) == scanned
    assert mynumber.count_my_numbers(text) == loose


def test_an_ascii_text_of_fewer_than_twelve_digits_is_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    from kokuho.identity import mynumber

    def scan(*_a: object, **_k: object) -> list[object]:
        raise AssertionError("scanned")

    monkeypatch.setattr(mynumber, "find_candidates", scan)
    for text in ("PERSON#P0000123", "HIST#000001#00", "kokuho-qualification", "x" * 500 + "12345678901",
                 "2026-12-01T10:40:49.557156+00:00#intake#0000000012"):  # no run of digits and separators holds 12
        assert not mynumber.contains_my_number(text)
    # anything else is scanned: twelve digits, an escape, a character outside ASCII (one may stand for two digits)
    for text in ("2026-12-01 1040", "12 3456~7890-12", "\\uff11", "&#49;", "%31", "⑽⑽⑽⑽⑽⑽", "１"):
        with pytest.raises(AssertionError):
            mynumber.contains_my_number(text)


@given(st.lists(st.sampled_from(["1234", "5678", "9018", "0", "12", "-", " ", "~", "\t", "\n", "\x1c", ":", ".", "#",
                                 ",", "/", " / ", "．",
                                 "a", "T", "+", "－", "\u3000", "１", "&#49;", "&#x38;", "%31", "%EF%BC%91",
                                 "\\u0031"]), max_size=16).map("".join))
def test_digit_groups_and_separators_are_answered_as_the_scan_answers(text: str) -> None:
    from kokuho.identity import mynumber

    assert mynumber.count_my_numbers(text, inside_identifiers=True) == sum(
        1 for c in mynumber.find_candidates(text) if c.valid)
    assert mynumber.count_my_numbers(text) == sum(
        1 for c in mynumber.find_candidates(text, across_lines=False) if c.whole and c.standalone and c.valid)
