"""Municipality codes (全国地方公共団体コード: 2 digits of the prefecture, 3 of the municipality, a check digit)
and this city's. Pure. The destination of a 転出 is kept as one (the outgoing 高額該当 file's to_municipality)."""

from __future__ import annotations

CITY_MUNICIPALITY = "401005"  # 北九州市
PREFECTURE = CITY_MUNICIPALITY[:2]  # 福岡県: the 高額該当 count carries over moves within it


def check_digit(first_five: str) -> str:
    """11 − (Σ digit × weight, weights 6,5,4,3,2) mod 11, its last digit (10 → 0, 11 → 1)."""
    remainder = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True)) % 11
    return str((11 - remainder) % 10)


def municipality_code(code: str) -> str:
    """The code if it is one (6 digits, its check digit right); ValueError naming what is wrong."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise ValueError("a municipality code is 6 digits")
    if check_digit(code[:5]) != code[5]:
        raise ValueError("the check digit does not match: not a municipality code")
    return code


def continues_in_prefecture(to_municipality: str | None) -> bool:
    """A 転出 to this municipality keeps the household going within the prefecture (judged on its NHI
    householder): its 高額該当 count carries over, and in the month of the move each municipality applies half
    the ceiling (domain.md §2). One rule for the outgoing KOGAKU row and the city's own half ceiling."""
    return bool(to_municipality) and str(to_municipality).startswith(PREFECTURE) \
        and to_municipality != CITY_MUNICIPALITY
