"""The refund file in the 全銀協 総合振込 format (全銀協規定フォーマット, 種別コード 21): fixed-length records of
120 bytes — one header, one data record per transfer, a trailer with the count and the total, an end record —
in JIS 8-bit (Shift_JIS single-byte: digits, upper-case letters, half-width katakana), each record followed by
CRLF as banks' transmission software expects of a file (`LINE_END`; records stay 120 bytes).

Layout (byte positions 1-based, N numeric right-aligned zero-filled, C characters left-aligned space-filled):
header  1 データ区分 "1" | 2-3 種別コード "21" | 4 コード区分 "0" (JIS) | 5-14 依頼人コード N10 |
        15-54 依頼人名 C40 | 55-58 取組日 MMDD | 59-62 仕向銀行番号 N4 | 63-77 仕向銀行名 C15 |
        78-80 仕向支店番号 N3 | 81-95 仕向支店名 C15 | 96 預金種目(依頼人) N1 | 97-103 口座番号(依頼人) N7 |
        104-120 ダミー C17
data    1 "2" | 2-5 被仕向銀行番号 N4 | 6-20 被仕向銀行名 C15 | 21-23 被仕向支店番号 N3 | 24-38 被仕向支店名 C15 |
        39-42 手形交換所番号 N4 (blank) | 43 預金種目 N1 | 44-50 口座番号 N7 | 51-80 受取人名 C30 |
        81-90 振込金額 N10 | 91 新規コード N1 | 92-101 顧客コード1 C10 | 102-111 顧客コード2 C10 |
        112 振込指定区分 N1 ("7" テレ振込) | 113 識別表示 C1 | 114-120 ダミー C7
trailer 1 "8" | 2-7 合計件数 N6 | 8-19 合計金額 N12 | 20-120 ダミー C101
end     1 "9" | 2-120 ダミー C119
Pure: no AWS.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import jaconv

RECORD = 120
LINE_END = b"\r\n"
ACCOUNT_TYPES = {"普通": "1", "当座": "2", "貯蓄": "4", "その他": "9"}


class ZenginError(ValueError):
    """A value that cannot be written in the format (names the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Requester:
    """The city as the transfer's requester (依頼人) and its own account."""

    code: str  # 依頼人コード, 10 digits (given by the bank)
    name: str  # 依頼人名 (katakana)
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str  # 普通 | 当座 | 貯蓄 | その他
    account_number: str


@dataclass(frozen=True)
class Transfer:
    bank_code: str
    branch_code: str
    account_type: str
    account_number: str
    holder_kana: str  # 受取人名
    amount: int
    customer_code: str = ""  # 顧客コード1: the refund's reference, read back from the bank's result
    bank_name: str = ""
    branch_name: str = ""


_SMALL_KANA = str.maketrans("ｧｨｩｪｫｬｭｮｯ", "ｱｲｳｴｵﾔﾕﾖﾂ")  # banks take no small kana: written large


def to_jis8(text: str) -> str:
    """Half-width: katakana (voiced marks split off), digits, upper-case letters, space; small kana large.
    Whatever else remains is refused by `_chars`."""
    half = jaconv.z2h(unicodedata.normalize("NFC", text), kana=True, digit=True, ascii=True)
    return half.upper().translate(_SMALL_KANA)


_ALLOWED = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ().-/,\\｢｣") | {chr(c) for c in range(0xFF61, 0xFFA0)}


def _chars(value: str, width: int, field: str) -> bytes:
    text = to_jis8(value)
    bad = [c for c in text if c not in _ALLOWED]
    if bad:
        raise ZenginError(field, "holds a character the 全銀 format cannot carry (half-width katakana, digits, "
                                 "upper-case letters, space and ( ) . - / , only)")
    if len(text) > width:
        raise ZenginError(field, f"longer than {width} half-width characters")
    return text.ljust(width).encode("cp932")


HOLDER_WIDTH = 30  # 受取人名: half-width characters a data record carries


def holder_name_problem(value: str) -> str | None:
    """Why an account holder's name cannot be written in a transfer record (None: it can) — the check a name is
    given at entry, so that no file fails on it later."""
    try:
        _chars(value, HOLDER_WIDTH, "holder_kana")
    except ZenginError as exc:
        return str(exc)
    return None


def _digits(value: str | int, width: int, field: str) -> bytes:
    text = str(value)
    if not text.isascii() or not text.isdigit():
        raise ZenginError(field, "must be digits")
    if len(text) > width:
        raise ZenginError(field, f"more than {width} digits")
    return text.rjust(width, "0").encode("ascii")


def _account_type(value: str, field: str) -> bytes:
    if value not in ACCOUNT_TYPES:
        raise ZenginError(field, f"must be one of {', '.join(ACCOUNT_TYPES)}")
    return ACCOUNT_TYPES[value].encode("ascii")


def _record(parts: Sequence[bytes]) -> bytes:
    rec = b"".join(parts)
    assert len(rec) == RECORD, len(rec)  # a layout error in this module, never the input's
    return rec


def header(req: Requester, on: date) -> bytes:
    return _record([b"1", b"21", b"0", _digits(req.code, 10, "requester.code"), _chars(req.name, 40, "requester.name"),
                    f"{on.month:02d}{on.day:02d}".encode("ascii"), _digits(req.bank_code, 4, "requester.bank_code"),
                    _chars(req.bank_name, 15, "requester.bank_name"),
                    _digits(req.branch_code, 3, "requester.branch_code"),
                    _chars(req.branch_name, 15, "requester.branch_name"),
                    _account_type(req.account_type, "requester.account_type"),
                    _digits(req.account_number, 7, "requester.account_number"), b" " * 17])


def data_record(t: Transfer, index: int) -> bytes:
    f = f"transfers[{index}]"
    if type(t.amount) is not int or t.amount <= 0:
        raise ZenginError(f"{f}.amount", "must be an integer number of yen > 0")
    return _record([b"2", _digits(t.bank_code, 4, f"{f}.bank_code"), _chars(t.bank_name, 15, f"{f}.bank_name"),
                    _digits(t.branch_code, 3, f"{f}.branch_code"), _chars(t.branch_name, 15, f"{f}.branch_name"),
                    b" " * 4, _account_type(t.account_type, f"{f}.account_type"),
                    _digits(t.account_number, 7, f"{f}.account_number"),
                    _chars(t.holder_kana, HOLDER_WIDTH, f"{f}.holder_kana"),
                    _digits(t.amount, 10, f"{f}.amount"), b"0", _chars(t.customer_code, 10, f"{f}.customer_code"),
                    b" " * 10, b"7", b" ", b" " * 7])


def trailer(count: int, total: int) -> bytes:
    return _record([b"8", _digits(count, 6, "count"), _digits(total, 12, "total"), b" " * 101])


def end_record() -> bytes:
    return _record([b"9", b" " * 119])


def transfer_file(req: Requester, on: date, transfers: Sequence[Transfer]) -> bytes:
    """The whole file: header, data records, trailer, end; each record then CRLF."""
    records = [header(req, on), *(data_record(t, i) for i, t in enumerate(transfers)),
               trailer(len(transfers), sum(t.amount for t in transfers)), end_record()]
    return b"".join(r + LINE_END for r in records)
