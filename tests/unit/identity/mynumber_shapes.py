"""A My Number written in every shape an attacker might try (issue 8 item 5), for the tests of every
check that must find one. Built at run time from a valid number that no test prints; ids name shapes."""

from __future__ import annotations

from collections.abc import Callable

from kokuho.identity.mynumber import check_digit

FIRST = "12345678901"
NUMBER = FIRST + str(check_digit(FIRST))  # valid; never printed
INVALID = FIRST + str((check_digit(FIRST) + 1) % 10)
FULL = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
CIRCLED = str.maketrans("0123456789", "⓪①②③④⑤⑥⑦⑧⑨")
# Unicode digits that are not decimal digits and that NFKC leaves as they are (Numeric_Type=Digit): ❶, ➀, ⓵
NEGATIVE_CIRCLED = str.maketrans("0123456789", "⓿❶❷❸❹❺❻❼❽❾")
DINGBAT_CIRCLED = str.maketrans("0123456789", "🄋➀➁➂➃➄➅➆➇➈")
# 漢数字 written digit by digit, as a number is read out or written vertically (縦書き); 大字 as in legal documents
KANJI = str.maketrans("0123456789", "〇一二三四五六七八九")
DAIJI = str.maketrans("0123456789", "零壱弐参肆伍陸漆捌玖")
# The zero of 漢数字 as most keyboards type it: ○ (U+25CB, what an IME offers for "まる"/"ぜろ") or ◯ (U+25EF)
KANJI_WHITE_CIRCLE = str.maketrans("0123456789", "○一二三四五六七八九")
KANJI_LARGE_CIRCLE = str.maketrans("0123456789", "◯一二三四五六七八九")


def _444(sep: str) -> Callable[[str], str]:
    return lambda n: sep.join((n[:4], n[4:8], n[8:]))


SHAPES: dict[str, Callable[[str], str]] = {
    "plain": lambda n: n,
    "full-width": lambda n: n.translate(FULL),
    "hyphens": _444("-"),
    "spaces": _444(" "),
    "nbsp": _444("\u00a0"),
    "ideographic-space": _444("\u3000"),
    "full-width-hyphen": _444("\uff0d"),
    "en-dash": _444("\u2013"),
    "em-dash": _444("\u2014"),
    "minus-sign": _444("\u2212"),
    "long-mark": _444("\u30fc"),
    "half-width-long-mark": _444("\uff70"),
    "middle-dot": _444("\u30fb"),
    "tab": _444("\t"),
    "spaced-hyphens": _444(" - "),
    "mixed": lambda n: n[:4].translate(FULL) + "-" + n[4:8] + "\u3000" + n[8:].translate(FULL),
    "full-width-with-hyphens": lambda n: _444("\uff0d")(n.translate(FULL)),
    "zero-width-space": lambda n: "\u200b".join(n),
    "soft-hyphen": _444("\u00ad"),
    "combining-mark": lambda n: n[:6] + "\u0301" + n[6:],
    "every-digit-spaced": lambda n: " ".join(n),
    "arabic-indic-digits": lambda n: n.translate(ARABIC),
    "circled-digits": lambda n: n.translate(CIRCLED),
    "3-4-5": lambda n: f"{n[:3]}-{n[3:7]}-{n[7:]}",
    "negative-circled-digits": lambda n: n.translate(NEGATIVE_CIRCLED),
    "dingbat-circled-digits": lambda n: n.translate(DINGBAT_CIRCLED),
    "kanji-numerals": lambda n: n.translate(KANJI),
    "kanji-numerals-with-long-marks": lambda n: _444("ー")(n.translate(KANJI)),
    "daiji": lambda n: n.translate(DAIJI),
    "kanji-numerals-white-circle-zero": lambda n: n.translate(KANJI_WHITE_CIRCLE),
    "kanji-numerals-large-circle-zero": lambda n: n.translate(KANJI_LARGE_CIRCLE),
    # punctuation between the groups (the probe of session 9): dates, paths and amounts put it between digits too,
    # so it joins three groups or more, the same at every join (kokuho.identity.mynumber._weak_candidates); the ASCII
    # comma, which lists values, in test_mynumber_shapes.py
    "dots": _444("."),
    "slashes": _444("/"),
    "colons": _444(":"),
    "full-width-dots": _444("\uff0e"),
    "full-width-slashes": lambda n: _444("\uff0f")(n.translate(FULL)),
    "full-width-commas": _444("\uff0c"),
    "full-width-colons": _444("\uff1a"),
    "ideographic-commas": _444("\u3001"),
    "spaced-slashes": _444(" / "),
    "mixed-width-dots": lambda n: n[:4] + "." + n[4:8] + "\uff0e" + n[8:],
    "3-3-3-3-dots": lambda n: ".".join((n[:3], n[3:6], n[6:9], n[9:])),
}
