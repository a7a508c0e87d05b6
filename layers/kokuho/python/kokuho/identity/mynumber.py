"""My Number (個人番号) check digit — domain.md §3 (総務省令 第5条).

Nothing here ever puts the number itself into an exception message or a return value
meant for display: callers print the reason, never the number.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

# Left to right weights of the first 11 digits (Q_n read from the left).
_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


class InvalidMyNumber(ValueError):
    """Raised with a reason that never contains the number."""


def check_digit(first_eleven: str) -> int:
    """Check digit of the 11 leading digits: 0 if Σ P·Q mod 11 ≤ 1, else 11 − remainder."""
    if len(first_eleven) != 11 or not first_eleven.isascii() or not first_eleven.isdigit():
        raise InvalidMyNumber("the first part must be exactly 11 ASCII digits")
    remainder = sum(int(d) * w for d, w in zip(first_eleven, _WEIGHTS, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def validation_error(number: str) -> str | None:
    """The reason a candidate is not a valid My Number, or None when it is valid (in any shape:
    `normalize` runs first)."""
    number = normalize(number)
    if not number.isascii() or not number.isdigit():
        return "a My Number consists of digits only"
    if len(number) != 12:
        return f"a My Number has 12 digits, this has {len(number)}"
    if check_digit(number[:11]) != int(number[11]):
        return "the check digit does not match"
    return None


def is_valid(number: str) -> bool:
    return validation_error(number) is None


def require_valid(number: str) -> str:
    """The number in its one stored form (twelve ASCII digits), or InvalidMyNumber."""
    reason = validation_error(number)
    if reason:
        raise InvalidMyNumber(reason)
    return normalize(number)


def mask(number: str | None) -> str:
    """Display form for lists and search results: never any digit of the number."""
    return "************" if number else ""


# --- a My Number written in any shape ---------------------------------------------------------------
#
# The one scan behind every My Number check (input checks, URL/header checks, record fields, log
# redaction, leak guards): a number may be typed in full-width digits (１２３…), other Unicode digits
# (NFKC, Unicode decimal and digit values: ❶, ➀), 漢数字 (一二三…〇, 大字), or split by separators
# (4-4-4 with hyphens or spaces, NBSP, U+3000, dashes, U+2212, 長音符 ー, middle dots, invisible format
# characters and combining marks).
# A candidate is a run of digit groups joined by separators holding exactly twelve digits; a single
# group longer than twelve digits is no My Number (a longer number), as before.

_DASHES = (
    "\\-\u058a\u05be\u1400\u1806\u2010-\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u301c\u3030\u30a0"
    "\ufe31\ufe32\ufe58\ufe63\uff0d\u2212\u2043\u2500\u2501\u30fc\uff70~\uff5e"
)
_DOTS = "\u00b7\u2022\u2027\u2219\u22c5\u30fb\uff65"
_INVISIBLE = (  # format characters, fillers, combining marks, variation selectors, tags
    "\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164"
    "\ufeff\uffa0\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef"
)
_LINE_BREAKS = "\\n\\r\\x0b\\x0c\\x1c-\\x1e\\x85\\u2028\\u2029"
# Punctuation that also joins digit groups ("1234.5678.9018", "1234/5678/9018", "１２３４，５６７８，９０１８",
# "1234 : 5678 : 9018"), but that dates, times, paths, IP addresses, decimals and amounts put between digits every
# day: a "weak" separator. It joins groups only as one chain — three groups or more, the same punctuation (any of its
# shapes) at every join, twelve digits in all — and never in the shape of an IPv4 address or of an amount grouped in
# thousands (`_weak_candidates`). Elsewhere it parts digit groups, as any other character does.
_WEAK = {c: canon for canon, chars in ((".", ".\uff0e\ufe52\u3002\uff61"), ("/", "/\uff0f\u2215\u2044\u29f8"),
                                       (",", ",\uff0c\ufe50\ufe51\u3001\uff64"), (":", ":\uff1a\ufe55\u2236"))
         for c in chars}
_WEAK_CLASS = re.escape("".join(_WEAK))


# 漢数字 written digit by digit (a number read out, or written vertically: 縦書き) and 大字 (legal documents): a digit
# each, never 十, 百 or 千 (a positional numeral is not a string of digits).
# The zero as most keyboards type it is ○ (U+25CB, an IME's "まる"/"ぜろ") or ◯ (U+25EF), not 〇: "二○二四年".
_KANJI_DIGITS = {c: d for d, chars in enumerate(("〇零○◯", "一壱壹", "二弐貳", "三参參", "四肆", "五伍", "六陸", "七漆",
                                                "八捌", "九玖")) for c in chars}


def _digit_value(char: str) -> int | None:
    """The digit one character (NFKC'd) stands for: a decimal digit of any script, a Unicode digit that is not a
    decimal one (❶, ➀, ⓵; Numeric_Type=Digit), a digit-valued number sign such as 🄋, or a 漢数字."""
    value = unicodedata.decimal(char, None)
    if value is None:
        value = unicodedata.digit(char, None)
    if value is None and unicodedata.category(char) == "No":
        number = unicodedata.numeric(char, None)
        value = int(number) if number is not None and number in range(10) else None
    return value if value is not None else _KANJI_DIGITS.get(char)


def _compat_digit_chars() -> str:
    """Characters other than Unicode decimal digits that stand for a digit, themselves or once NFKC'd (①, ⑴, ⒈, ¹,
    ₂, ㉑, ❶, ➀, 🄋, ㊀, 一…)."""
    ranges = ((0x00B2, 0x00BA), (0x1369, 0x1372), (0x19DA, 0x19DB), (0x2070, 0x208A), (0x2460, 0x2500),
              (0x2776, 0x2794), (0x3190, 0x31A0), (0x3220, 0x3260), (0x3280, 0x32C0), (0x10A40, 0x10A44),
              (0x10E60, 0x10E69), (0x11052, 0x1105B), (0x1F100, 0x1F10D))
    found = [*_KANJI_DIGITS]
    for lo, hi in ranges:
        for cp in range(lo, hi):
            nf = unicodedata.normalize("NFKC", chr(cp))
            core = nf.strip("().,")
            if core and all(_digit_value(c) is not None for c in core) and not chr(cp).isdecimal():
                found.append(chr(cp))
    return re.escape("".join(found))


_DIGIT = rf"[\d{_compat_digit_chars()}]"
_SEP_ON_LINE = rf"(?:[{_DASHES}{_DOTS}{_INVISIBLE}]|[^\S{_LINE_BREAKS}])"
_SEP_ANY = rf"[\s{_DASHES}{_DOTS}{_INVISIBLE}]"
# A character written as an escape (repr, JSON with ensure_ascii, a log of either): "\uff11", "\\u3000"; or as
# the web writes it, where any page or URL showing the text shows the character: an HTML character reference
# ("&#49;", "&#xFF11;") or percent-encoded UTF-8 ("%31", "%EF%BC%91"), one character a token.
_PERCENT_UTF8 = (r"%[0-7][0-9A-Fa-f]|%[CDcd][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]"
                 r"|%[Ee][0-9A-Fa-f](?:%[89ABab][0-9A-Fa-f]){2}|%[Ff][0-7](?:%[89ABab][0-9A-Fa-f]){3}")
_ESCAPE = (r"(?:\\+(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|x[0-9A-Fa-f]{2})|&#[0-9]{1,7};|&#[xX][0-9A-Fa-f]{1,6};|"
           rf"{_PERCENT_UTF8})")
_RUN_ANY = re.compile(rf"(?:{_DIGIT}|{_ESCAPE})(?:(?:{_SEP_ANY}|[{_WEAK_CLASS}]|{_ESCAPE})*(?:{_DIGIT}|{_ESCAPE}))*")
_RUN_ON_LINE = re.compile(
    rf"(?:{_DIGIT}|{_ESCAPE})(?:(?:{_SEP_ON_LINE}|[{_WEAK_CLASS}]|{_ESCAPE})*(?:{_DIGIT}|{_ESCAPE}))*")
_IS_SEP = {True: re.compile(_SEP_ANY), False: re.compile(_SEP_ON_LINE)}
_TOKEN = re.compile(rf"{_ESCAPE}|.", re.DOTALL)
# A canonical UUID is read group by group (as before): its hyphens join no digits, so a random id is
# not taken for a number written 4-4-4 (one UUID in ~400 would be).
_UUID = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}(?![0-9A-Za-z])")
_IDENT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


@lru_cache(maxsize=4096)
def _digits_of(char: str) -> str:
    return "".join(str(v) for v in map(_digit_value, unicodedata.normalize("NFKC", char)) if v is not None)


@lru_cache(maxsize=4096)
def _token(raw: str, across_lines: bool) -> tuple[str, str, str]:
    """(kind d/s/w/o — digit, separator, weak separator, other —, digits, the character NFKC'd) of one character or
    escape."""
    char = raw if len(raw) == 1 else _unescaped(raw)
    digits = _digits_of(char)
    kind = "d" if digits else "w" if char in _WEAK else "s" if _IS_SEP[across_lines].fullmatch(char) else "o"
    return kind, digits, unicodedata.normalize("NFKC", char)


def _unescaped(raw: str) -> str:
    """The one character an escape token (`_ESCAPE`) stands for ("?" for none)."""
    if raw.startswith("%"):
        try:
            return bytes.fromhex(raw.replace("%", "")).decode("utf-8")
        except ValueError:
            return "?"
    if raw.startswith("&#"):
        body = raw[2:-1]
        code = int(body[1:], 16) if body[:1] in "xX" else int(body)
    else:
        code = int(raw.lstrip("\\")[1:], 16)
    return chr(code) if code <= 0x10FFFF else "?"


def _in_identifier(before: str, before2: str, after: str, after2: str) -> bool:
    """Whether a run of digits is part of an identifier: an ARN, a path, a UUID group, a hash…"""
    if before and (before[-1] in _IDENT or before[-1] in "./\x00"):
        return True
    if before in ("-", ":") and before2[-1:] in _IDENT | {":"}:  # UUID group, ARN field
        return True
    if after and after[0] in _IDENT:
        return True
    return after == "-" and after2[:1] in _IDENT


@dataclass(frozen=True)
class Candidate:
    """Twelve digits found in a text, whatever their shape. `start`/`end` index the original text."""

    start: int
    end: int
    digits: str  # the twelve ASCII digits
    groups: int  # how many digit groups (1: twelve digits in a row)
    whole: bool  # the run of digits and separators holds these twelve digits and nothing else
    standalone: bool  # the run is not part of an identifier (ARN, UUID, path, hash)

    @property
    def valid(self) -> bool:
        return check_digit(self.digits[:11]) == int(self.digits[11])


def _raw(text: str, i: int) -> str:
    return _token(text[i], True)[2] if 0 <= i < len(text) else ""


def find_candidates(text: str, *, across_lines: bool = True) -> list[Candidate]:
    """Every twelve-digit candidate in the text: each sequence of consecutive digit groups, joined by
    separators, holding exactly twelve digits. `across_lines=False` lets no line break join groups
    (log output, where a number ending a line and a date starting the next are unrelated)."""
    found: list[Candidate] = []
    if "-" in text:  # same length, so spans still index the original text; NUL: no separator, read as "/" is
        text = _UUID.sub(lambda m: m.group().replace("-", "\x00"), text)
    for run in (_RUN_ANY if across_lines else _RUN_ON_LINE).finditer(text):
        if run.end() - run.start() < 12 and len(_digits_of_text(run.group())) < 12:
            continue
        tokens = [(m.start(), m.end(), *_token(m.group(), across_lines))
                  for m in _TOKEN.finditer(text, run.start(), run.end())]
        segment: list[int] = []
        for i in range(len(tokens) + 1):
            if i < len(tokens) and tokens[i][2] != "o":
                segment.append(i)
            elif segment:
                _candidates_of(text, run.start(), run.end(), tokens, segment, found)
                segment = []
    return found


def _candidates_of(text: str, run_start: int, run_end: int, tokens: list[tuple[int, int, str, str, str]],
                   segment: list[int], found: list[Candidate]) -> None:
    """The candidates of one segment (digits and separators, weak ones included): those of its parts between weak
    separators, read as before weak separators joined anything, then its chains of weak joins."""
    part: list[int] = []
    for i in segment:
        if tokens[i][2] == "w":
            _strong_candidates(text, run_start, run_end, tokens, part, found)
            part = []
        else:
            part.append(i)
    _strong_candidates(text, run_start, run_end, tokens, part, found)
    _weak_candidates(text, run_start, run_end, tokens, segment, found)


_Token = tuple[int, int, str, str, str]


def _groups(tokens: list[_Token], digit_at: list[int]) -> list[tuple[int, int, str, int, int]]:
    """Digit groups: start, end, digits, first and last token of each run of consecutive digit tokens."""
    groups: list[tuple[int, int, str, int, int]] = []
    for i in digit_at:
        if groups and groups[-1][4] == i - 1:
            start, _, digits, first, _ = groups[-1]
            groups[-1] = (start, tokens[i][1], digits + tokens[i][3], first, i)
        else:
            groups.append((tokens[i][0], tokens[i][1], tokens[i][3], i, i))
    return groups


def _standalone(text: str, run_start: int, run_end: int, tokens: list[_Token], first: int, last: int) -> bool:
    def char(i: int, outside: int) -> str:
        return tokens[i][4] if 0 <= i < len(tokens) else _raw(text, outside)

    before = char(first - 1, run_start - 1)
    before2 = char(first - 2, run_start - (2 if first == 0 else 1))
    after = char(last + 1, run_end)
    after2 = char(last + 2, run_end + (1 if last == len(tokens) - 1 else 0))
    return not _in_identifier(before, before2, after, after2)


def _strong_candidates(text: str, run_start: int, run_end: int, tokens: list[_Token], part: list[int],
                       found: list[Candidate]) -> None:
    digit_at = [i for i in part if tokens[i][2] == "d"]
    if not digit_at:
        return
    groups = _groups(tokens, digit_at)
    total = sum(len(g[2]) for g in groups)
    if total < 12:
        return
    standalone = _standalone(text, run_start, run_end, tokens, digit_at[0], digit_at[-1])
    for i in range(len(groups)):
        count, j = 0, i
        while j < len(groups) and count < 12:
            count += len(groups[j][2])
            j += 1
        if count == 12:
            found.append(Candidate(groups[i][0], groups[j - 1][1], "".join(g[2] for g in groups[i:j]),
                                   j - i, total == 12, standalone))


def _weak_candidates(text: str, run_start: int, run_end: int, tokens: list[_Token], segment: list[int],
                     found: list[Candidate]) -> None:
    """Chains of three digit groups or more, each join holding one weak separator, the same at every join (with any
    other separators around it: "1234 / 5678 / 9018"), twelve digits in all. Not an IPv4 address (four groups of
    at most 255 joined by "."), not an amount in thousands ("123,456,789,012"); a time with its fraction
    ("12:31:31.123456") and a date with its time ("2026/11/30 12:31") mix their punctuation and are no chain."""
    if not any(tokens[i][2] == "w" for i in segment):
        return
    groups = _groups(tokens, [i for i in segment if tokens[i][2] == "d"])
    joins = [[_WEAK[tokens[k][4]] for k in range(a[4] + 1, b[3]) if tokens[k][2] == "w"]
             for a, b in zip(groups, groups[1:], strict=False)]
    i = 0
    while i < len(joins):
        if len(joins[i]) != 1:
            i += 1
            continue
        weak, j = joins[i][0], i
        while j < len(joins) and joins[j] == [weak]:
            j += 1
        chain = groups[i:j + 1]  # groups i..j joined by `weak`
        digits = "".join(g[2] for g in chain)
        if len(chain) >= 3 and len(digits) == 12 and not _weak_chain_is_data(weak, [g[2] for g in chain]):
            # An ASCII comma lists values (a CSV row, a JSON array): the strict check counts the chain, redaction
            # masks it, but captured output's leak scan reads it as part of a list, never standing alone.
            listed = any(text[t[0]:t[1]] == "," for t in tokens[chain[0][4]:chain[-1][3]])
            found.append(Candidate(chain[0][0], chain[-1][1], digits, len(chain), len(chain) == len(groups),
                                   not listed and _standalone(text, run_start, run_end, tokens, chain[0][3],
                                                              chain[-1][4])))
        i = j


def _weak_chain_is_data(weak: str, groups: list[str]) -> bool:
    """An IPv4 address (a terminal's, CloudTrail's sourceIPAddress) or an amount grouped in thousands."""
    if weak == "." and len(groups) == 4 and all(len(g) <= 3 and int(g) <= 255 for g in groups):
        return True
    return weak == "," and len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _digits_of_text(text: str) -> str:
    if text.isascii() and text.isdigit():
        return text
    return "".join(_token(m.group(), True)[1] for m in _TOKEN.finditer(text))


def normalize(text: str) -> str:
    """A My Number as typed (any digits, any separators: "１２３４－５６７８－９０１８") → its twelve ASCII
    digits. Text holding anything but digits and separators is returned unchanged, to fail validation."""
    stripped = text.strip()
    if _RUN_ANY.fullmatch(stripped) and not any(c in stripped for c in "\\&%"):  # typed, never escaped
        return _digits_of_text(stripped)
    return text


# Twelve ASCII digits joined only by what separates digit groups in ASCII (whitespace, "-", "~": _SEP_ANY's ASCII
# members). Linear: a digit, then separators and a digit, eleven times — the classes are disjoint.
_TWELVE_ASCII_DIGITS = re.compile(r"[0-9](?:[\s\-~]*[0-9]){11}")
# A chain of ASCII digit groups joined by one weak separator each, the same at every join (`_weak_candidates`):
# only such a chain holding twelve digits or more is left to the scan (a timestamp's "12:31:31.123456" is not).
_WEAK_ASCII_CHAINS = {w: re.compile(rf"(?<![0-9])[0-9]+(?:[\s\-~]*{re.escape(w)}[\s\-~]*[0-9]+){{2,}}") for w in ".,/:"}


def _weak_chain_of_twelve(text: str) -> bool:
    return any(w in text and any(sum(c.isdigit() for c in m.group()) >= 12 for m in chain.finditer(text))
               for w, chain in _WEAK_ASCII_CHAINS.items())


def _too_few_digits(text: str) -> bool:
    """Whether a text cannot hold a candidate, told without the scan: in ASCII text with no escape (`_ESCAPE`
    begins with a backslash, "&#" or "%") the only characters standing for digits are 0–9, one digit each, the
    only separators whitespace, "-" and "~" (and ".,/:" in a chain of one of them), and a candidate is twelve digits of
    one run of digits and separators
    (the check of every key and value a trail or a record holds: short ids, timestamps). Not by length: one
    character may stand for two digits (⑽)."""
    return (text.isascii() and "\\" not in text and "&" not in text and "%" not in text
            and _TWELVE_ASCII_DIGITS.search(text) is None and not _weak_chain_of_twelve(text))


def count_my_numbers(text: str, *, inside_identifiers: bool = False) -> int:
    """How many valid My Numbers stand in a text, in any shape — for leak scans of logs, payloads and
    responses. Returns only the count, so a scan can report a leak without repeating it.
    By default (captured output, logs) a candidate counts when its run of digits and separators holds
    it alone, on one line, outside an identifier (UUID group, ARN, path, hash).
    `inside_identifiers=True` (input checks, record fields, response scans) counts every candidate with
    a valid check digit, inside identifiers, across lines and within longer runs of groups."""
    if _too_few_digits(text):
        return 0
    if inside_identifiers:
        return sum(1 for c in find_candidates(text) if c.valid)
    return sum(1 for c in find_candidates(text, across_lines=False) if c.whole and c.standalone and c.valid)


def contains_my_number(text: str) -> bool:
    """The check of every field that must never hold a My Number (free text, ids, record fields, URLs)."""
    return count_my_numbers(text, inside_identifiers=True) > 0


HIDDEN_FIELD = "(a field whose name holds a My Number)"


def shown_field(name: str) -> str:
    """A field's name as an error may show it: a key comes from the caller's document (a JSON case, a file's line,
    a request body), so one holding a My Number is named by what it is, never echoed. The one rule of every error
    naming a field."""
    return HIDDEN_FIELD if contains_my_number(name) else name


_AWS_REQUEST_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.ASCII)


def is_aws_request_id(value: str) -> bool:
    """Whether `value` is an id AWS gave a call (a Lambda invocation's or API Gateway's request id): a lower-case
    canonical UUID, nothing around it. Its last group is twelve hex characters, all digits with a valid check digit
    about once in a few hundred ids — AWS's identifier, not a number anyone gave — so where only AWS puts one (a
    record's request ids and terminal, an invocation's own request id) it is taken as it is. The one exemption from
    `contains_my_number`; a name someone chose is checked in every shape wherever it comes from someone."""
    return bool(_AWS_REQUEST_ID.fullmatch(value))


UNMISTAKABLE_DRAWS = 64  # a random part alone fails about one draw in a hundred: 64 in a row is never luck


def unmistakable_id(make: Callable[[], str]) -> str:
    """An id the system draws at random (`make`: e.g. `lambda: f"Q{secrets.token_hex(10)}"`), drawn again until
    it holds nothing that reads as a My Number in any shape, nor anything a record or a log would redact (twelve
    digits in a row, whatever the check digit). A hex token of twenty characters holds such a run about once in
    seventy draws; every record and log redacts it, so the id would be stored one way and found another (a
    情報提供等記録 lost its request id so)."""
    # Not only a valid number: a record and a log redact any run of twelve digits whatever its check digit, so an id
    # holding one (≈ 1.4 % of twenty-hex draws) was kept as "Q…[REDACTED-12-DIGITS]…" and looked for as drawn.
    # What redaction masks includes every valid number in any shape (contains_my_number's candidates): one scan.
    from kokuho.identity.redaction import looks_like_my_number  # redaction scans with this module

    for _ in range(UNMISTAKABLE_DRAWS):
        value = make()
        if not looks_like_my_number(value):
            return value
    # What `make` keeps fixed reads as one (an id of the caller's): no draw mends it, and looping would hang.
    raise ValueError(f"no id drawn in {UNMISTAKABLE_DRAWS} draws is free of a My Number (its fixed part holds one)")


ID_DIGEST_CHARS = 11  # never twelve: a digest's digits alone can never make a run of twelve


def id_digest(text: str) -> str:
    """The part of an id derived from what it names (a file's items: a rerun must find the same id) — the first
    eleven hex characters of their SHA-256. Placed after a letter (`RFF-D20240722-H3f09a1c2b7e`), no run of its
    digits joins another number, and eleven digits are never twelve: the id holds no My Number in any shape, for any
    input, and nothing a log line would redact."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_DIGEST_CHARS]


def identifier_holds_my_number(value: str) -> bool:
    """The check of identifiers built from codes and dates ("KG-401307-202604", "FILE#…", 13% of which
    would hold twelve digits joined by hyphens): the whole id is a My Number in any shape, or one stands
    apart within it. Free text and ids from outside use `contains_my_number`."""
    return is_valid(value) or count_my_numbers(value) > 0
