"""A My Number in any shape (issue 8, item 5): full-width digits, 4-4-4 with hyphens or spaces, other
Unicode separators and digits, mixtures — one scan (kokuho.identity.mynumber) finds them for input
checks, record fields, URL checks, redaction and the suite's leak guard; random ids, timestamps and
longer numbers are not taken for one. No test here prints a number: the shapes are built at run time and
the parameter ids name the shape only."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mynumber_shapes import INVALID, NUMBER, SHAPES, _444

from kokuho.identity.mynumber import (
    contains_my_number,
    count_my_numbers,
    find_candidates,
    identifier_holds_my_number,
    normalize,
    require_valid,
    validation_error,
)
from kokuho.identity.redaction import REDACTED, install, looks_like_my_number, redact

SHAPE_IDS = list(SHAPES)


@pytest.mark.parametrize("shape", SHAPE_IDS)
def test_every_shape_normalizes_to_the_twelve_digits(shape: str) -> None:
    written = SHAPES[shape](NUMBER)
    assert normalize(written) == NUMBER
    assert validation_error(written) is None
    assert require_valid(written) == NUMBER  # the one stored form
    assert validation_error(SHAPES[shape](INVALID)) == "the check digit does not match"


@pytest.mark.parametrize("shape", SHAPE_IDS)
@pytest.mark.parametrize("context", ["{}", "個人番号は{}です", "note: {} (from the counter)", '{{"n": "{}"}}'])
def test_every_shape_is_found_by_the_leak_scan_and_the_strict_check(shape: str, context: str) -> None:
    text = context.format(SHAPES[shape](NUMBER))
    assert count_my_numbers(text) == 1  # the suite's guard and the demo's leak checks
    assert count_my_numbers(text, inside_identifiers=True) == 1
    assert contains_my_number(text)


@pytest.mark.parametrize("shape", SHAPE_IDS)
def test_every_shape_is_redacted_valid_or_not(shape: str) -> None:
    for number in (NUMBER, INVALID):
        text = f"refused {SHAPES[shape](number)} at the counter"
        out = redact(text)
        assert out == f"refused {REDACTED} at the counter"
        assert looks_like_my_number(text) and not looks_like_my_number(out)


def test_a_number_inside_a_longer_run_of_groups_is_still_refused_and_redacted() -> None:
    # "1234 5678 9018 1": a clerk adding a digit does not hide the number from an input check.
    text = f"{_444(' ')(NUMBER)} 7"
    assert contains_my_number(text)
    assert count_my_numbers(redact(text), inside_identifiers=True) == 0


def test_identifiers_keep_their_old_reading() -> None:
    text = f"arn:aws:x:{NUMBER} a1b2-{NUMBER} h_{NUMBER} {NUMBER}0"
    assert count_my_numbers(text) == 0  # the leak scan skips identifiers
    assert count_my_numbers(text, inside_identifiers=True) == 3  # the strict check does not; 13 digits are no number


def _with_check_digit(first: str) -> str:
    from kokuho.identity.mynumber import check_digit

    return first + str(check_digit(first))


# Data that puts punctuation between digits, each with a valid check digit were its digits one number.
_IP = _with_check_digit("19216810020")  # 192.168.100.20x
_AMOUNT = _with_check_digit("10000000000")  # 100,000,000,00x yen: a city's budget
_CLOCK = _with_check_digit("12313112345")  # 12:31:31.12345x
_DATED = _with_check_digit("20261130123")  # 2026/11/30 123x

NOT_NUMBERS = [
    f"1b2c3d4e-{_444('-')(NUMBER)}-abcdef012345",  # a UUID whose middle groups are digits
    f"1b2c3d4e-{_444('-')(NUMBER)}-abcdef012345".upper(),
    "2026-11-30T12:31:31.123456+00:00",  # a timestamp
    "12:31:31.123456 2026-11-30 12:31:31,123",
    "093-582-2111 / 803-8501",  # phone and postal code
    "093.582.2111 / 093/582/2111 / (093)582-2111",  # phone numbers of ten digits, however written
    "1234567890123",  # a longer number
    f"sourceIPAddress {_IP[:3]}.{_IP[3:6]}.{_IP[6:9]}.{_IP[9:]}",  # an IPv4 address (a terminal)
    f"total {_AMOUNT[:3]},{_AMOUNT[3:6]},{_AMOUNT[6:9]},{_AMOUNT[9:]} yen",  # an amount in thousands
    f"at {_CLOCK[:2]}:{_CLOCK[2:4]}:{_CLOCK[4:6]}.{_CLOCK[6:]}",  # a time and its fraction: mixed punctuation
    f"on {_DATED[:4]}/{_DATED[4:6]}/{_DATED[6:8]} {_DATED[8:]}",  # a date, then a time
    "v1.2.3 at 2026.11.30, 3.14159265358",  # a version, a date, a decimal (two groups: no chain)
    "1,234,567,890,123 and 1.2.3.4.5.6.7.8.9.0.1.2.3",  # a chain of more than twelve digits
]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_random_ids_timestamps_and_longer_numbers_are_not_my_numbers(text: str) -> None:
    assert count_my_numbers(text) == 0
    assert not contains_my_number(text)
    assert redact(text) == text


@pytest.mark.parametrize("text", ["period 2026-04-01 to 2027-03-31", f"0.{NUMBER}", f"/v1/{NUMBER}"])
def test_the_leak_scan_skips_date_pairs_fractions_and_paths(text: str) -> None:
    assert count_my_numbers(text) == 0  # captured output: a date pair or a path segment is no leak


# --- punctuation between the groups (session 9's probe): ".", "/", ",", ":" in every width --------------------


def test_a_number_written_with_ascii_commas_is_refused_and_redacted_but_a_list_is_no_leak() -> None:
    for text in (_444(",")(NUMBER), f"memo: {_444(', ')(NUMBER)}", f"番号{_444('%2C')(NUMBER)}"):
        assert contains_my_number(text) and count_my_numbers(text, inside_identifiers=True) == 1
        assert count_my_numbers(redact(text), inside_identifiers=True) == 0
        assert redact(_444(",")(INVALID)) == REDACTED  # a log masks the shape, valid or not
    # captured output: a CSV row or a JSON array of three numbers is read as a list
    assert count_my_numbers(_444(",")(NUMBER)) == 0 and count_my_numbers(json.dumps([1234, 5678, 9018])) == 0


def test_punctuation_after_a_path_or_in_a_url_is_still_refused() -> None:
    for text in (f"/v1/persons/{_444('/')(NUMBER)}", f"/persons?q={_444('.')(NUMBER)}",
                 f"/persons?q={_444('%2E')(NUMBER)}", f"x={_444('%EF%BC%8E')(NUMBER)}"):
        assert contains_my_number(text) and looks_like_my_number(text)


_DIGIT_SCRIPTS = {"ascii": "0123456789", "full-width": "０１２３４５６７８９", "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
                  "devanagari": "०१२३४५६७८९", "circled": "⓪①②③④⑤⑥⑦⑧⑨", "superscript": "⁰¹²³⁴⁵⁶⁷⁸⁹",
                  "mathematical-bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗", "thai": "๐๑๒๓๔๕๖๗๘๙"}
_PUNCTUATION = [".", "/", ":", "\uff0e", "\uff0f", "\uff0c", "\uff1a", "\u3001", "\u3002", "\ufe52", "\u2215",
                "\u2044"]
_SEPARATORS = ["-", " ", "\t", "\u3000", "\u00a0", "\u30fb", "\u00b7", "\u30fc", "\uff70", "\u2212", "\u00ad",
               "\u200b", "\u200c", "\u200d", "\ufeff", "~", "\uff5e", *(chr(c) for c in range(0x2010, 0x2016))]


_DOTS_ANY_WIDTH, _COMMAS_ANY_WIDTH = ".\uff0e\ufe52\u3002", "\uff0c\u3001"


@st.composite
def _written(draw: st.DrawFn, separators: list[str], least_groups: int) -> tuple[str, str, bool]:
    """A valid number (its first eleven digits drawn), cut in groups, each digit in a drawn script, the groups
    joined by a drawn separator (punctuation: the same at every join; other separators: any mixture). Also whether
    the shape is one the scan leaves to data: an IPv4 address, an amount grouped in thousands."""
    first = draw(st.text(alphabet="0123456789", min_size=11, max_size=11))
    number = _with_check_digit(first)
    cuts = sorted(draw(st.sets(st.integers(1, 11), min_size=least_groups - 1, max_size=5)))
    groups = [number[a:b] for a, b in zip([0, *cuts], [*cuts, 12], strict=True)]
    scripts = draw(st.lists(st.sampled_from(sorted(_DIGIT_SCRIPTS)), min_size=1, max_size=3))
    written = ["".join(_DIGIT_SCRIPTS[draw(st.sampled_from(scripts))][int(d)] for d in g) for g in groups]
    punctuation = separators is _PUNCTUATION
    sep = draw(st.sampled_from(separators))
    joins = [sep] * (len(groups) - 1) if punctuation else [draw(st.sampled_from(separators)) for _ in groups[1:]]
    text = written[0] + "".join(j + g for j, g in zip(joins, written[1:], strict=True))
    ip = sep in _DOTS_ANY_WIDTH and len(groups) == 4 and all(len(g) <= 3 and int(g) <= 255 for g in groups)
    amount = sep in _COMMAS_ANY_WIDTH and len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    return text, number, punctuation and (ip or amount)


@given(_written(_PUNCTUATION, 3) | _written(_SEPARATORS, 1), st.sampled_from(["{}", "備考 {} 窓口", '{{"n": "{}"}}']))
def test_every_drawn_shape_is_read_refused_and_redacted(drawn: tuple[str, str, bool], context: str) -> None:
    written, number, data = drawn
    assert normalize(written) == number and validation_error(written) is None  # a My Number field takes it
    text = context.format(written)
    if data:  # documented: an IPv4 address or an amount in thousands is no number, so one written so is not found
        assert not contains_my_number(text)
        return
    assert contains_my_number(text) and count_my_numbers(text) == 1
    assert count_my_numbers(redact(text), inside_identifiers=True) == 0 and REDACTED in redact(text)


def test_a_uuid_is_read_group_by_group() -> None:
    uuid = f"1b2c3d4e-{_444('-')(NUMBER)}-abcdef012345"
    assert not contains_my_number(uuid)
    assert contains_my_number(f"REQ-{_444('-')(NUMBER)}")  # not a UUID: the hyphens join the groups


def test_candidates_index_the_original_text() -> None:
    written = f"番号：{SHAPES['mixed'](NUMBER)}。"
    (found,) = [c for c in find_candidates(written) if c.valid]
    assert normalize(written[found.start:found.end]) == NUMBER
    assert found.whole and found.standalone and found.groups == 3


# --- the log filter (item 7: the traceback stays, redacted) ------------------------------------------


def _raise_with(number: str) -> None:
    try:
        raise KeyError(f"person {number}")
    except KeyError as inner:
        raise ValueError(f"lookup of {number} failed") from inner


@pytest.mark.parametrize("shape", ["plain", "full-width", "hyphens", "ideographic-space", "mixed"])
def test_log_filter_redacts_every_shape_and_keeps_the_traceback(shape: str, caplog: pytest.LogCaptureFixture) -> None:
    written = SHAPES[shape](NUMBER)
    logger = install(logging.getLogger("kokuho.test.redaction.shapes"))
    with caplog.at_level(logging.INFO, logger="kokuho.test.redaction.shapes"):
        logger.info("number %s and %d and %s", written, int(NUMBER), Decimal(NUMBER),
                    extra={"detail": {written: [written, {"n": int(NUMBER)}]}})
        try:
            _raise_with(written)
        except ValueError:
            logger.exception("unexpected error")
    fields = repr([vars(r) for r in caplog.records])  # times as floats: only the leak scan reads them
    assert count_my_numbers(caplog.text, inside_identifiers=True) == 0 and count_my_numbers(fields) == 0
    assert NUMBER not in fields and written not in fields
    assert REDACTED in caplog.records[0].getMessage()
    record = caplog.records[1]
    assert record.exc_info is not None and record.exc_info[2] is not None  # the traceback is kept
    assert "Traceback (most recent call last)" in caplog.text
    assert "in _raise_with" in caplog.text  # the frame that raised
    assert f"ValueError: lookup of {REDACTED} failed" in caplog.text
    assert f"KeyError: 'person {REDACTED}'" in caplog.text  # the cause, redacted too


def test_powertools_json_log_keeps_the_redacted_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    from kokuho.platform.observability import get_logger

    logger = get_logger("redaction-shapes-test")
    try:
        _raise_with(SHAPES["full-width-with-hyphens"](NUMBER))
    except ValueError as exc:
        logger.error("unexpected error", exc_info=exc, extra={"error_type": type(exc).__name__})
    out = capsys.readouterr().out
    assert count_my_numbers(out, inside_identifiers=True) == 0
    line = json.loads(out.strip().splitlines()[-1])
    assert line["exception_name"] == "ValueError"
    assert "Traceback (most recent call last)" in line["exception"] and "_raise_with" in line["exception"]
    assert REDACTED in line["exception"]


@pytest.mark.parametrize("shape", ["full-width", "nbsp", "ideographic-space", "mixed", "em-dash"])
@pytest.mark.parametrize("escape", ["repr", "json-ascii", "json-of-repr"])
def test_escaped_shapes_are_found_and_redacted(shape: str, escape: str) -> None:
    # repr() and JSON with ensure_ascii write "\uff11" or "\xa0": a log of either still shows the number.
    written = SHAPES[shape](NUMBER)
    text = {"repr": repr(written), "json-ascii": json.dumps({"n": written}),
            "json-of-repr": json.dumps({"n": repr(written)})}[escape]
    assert count_my_numbers(text) == 1 and contains_my_number(text)
    assert count_my_numbers(redact(text), inside_identifiers=True) == 0


@pytest.mark.parametrize("shape", ["plain", "full-width", "spaces", "hyphens"])
@pytest.mark.parametrize("escape", ["html-decimal", "html-hex", "percent"])
def test_web_escaped_shapes_are_found_redacted_and_never_a_my_number_field(shape: str, escape: str) -> None:
    # A free-text field or a file name holding "&#49;&#50;…" or "%31%32…": any page or URL that shows it shows the
    # number, so the input checks refuse it and logs redact it like any other shape — but the `my_number` fields
    # take a number typed, never one escaped.
    written = SHAPES[shape](NUMBER)
    text = "".join({"html-decimal": f"&#{ord(c)};", "html-hex": f"&#x{ord(c):X};",
                    "percent": "".join(f"%{b:02X}" for b in c.encode())}[escape] for c in written)
    for context in ("{}", "備考: {} (窓口)"):
        assert count_my_numbers(context.format(text)) == 1 and contains_my_number(context.format(text))
        assert count_my_numbers(redact(context.format(text)), inside_identifiers=True) == 0
    assert validation_error(text) is not None


def test_file_ids_and_chains_of_codes_and_months_are_not_numbers() -> None:
    # KG-<municipality>-<YYYYMM>: twelve digits joined by a hyphen; about one month in ten has a valid
    # check digit, and the city's own monthly file must not be refused for it.
    ids = [f"KG-401005-{y}{m:02d}" for y in range(2024, 2040) for m in range(1, 13)]
    assert any(contains_my_number(i) for i in ids)  # the strict check would refuse some
    assert not any(identifier_holds_my_number(i) or identifier_holds_my_number(f"FILE#{i}") for i in ids)
    assert identifier_holds_my_number(_444("-")(NUMBER)) and identifier_holds_my_number(f"FILE#{NUMBER}")
