"""The refund file in the 全銀協 総合振込 format (issue 12 item 3), read back by an independent parse of the
published layout: fixed offsets written out here from the 全銀協 specification, not taken from the code."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kokuho.collection.zengin import Requester, Transfer, ZenginError, transfer_file

CITY = Requester(code="1234567890", name="キタキュウシュウシ", bank_code="0177", bank_name="フクオカ",
                 branch_code="701", branch_name="キタキュウシュウ", account_type="当座", account_number="1234567")

# (name, start, end) 1-based inclusive, as the 全銀協 総合振込 layout prints them.
HEADER = [("kind", 1, 1), ("type", 2, 3), ("code_class", 4, 4), ("requester_code", 5, 14), ("requester", 15, 54),
          ("date", 55, 58), ("bank", 59, 62), ("bank_name", 63, 77), ("branch", 78, 80), ("branch_name", 81, 95),
          ("account_type", 96, 96), ("account", 97, 103), ("dummy", 104, 120)]
DATA = [("kind", 1, 1), ("bank", 2, 5), ("bank_name", 6, 20), ("branch", 21, 23), ("branch_name", 24, 38),
        ("clearing", 39, 42), ("account_type", 43, 43), ("account", 44, 50), ("holder", 51, 80),
        ("amount", 81, 90), ("new_code", 91, 91), ("customer1", 92, 101), ("customer2", 102, 111),
        ("transfer_kind", 112, 112), ("mark", 113, 113), ("dummy", 114, 120)]
TRAILER = [("kind", 1, 1), ("count", 2, 7), ("total", 8, 19), ("dummy", 20, 120)]


def parse(data: bytes) -> list[dict[str, str]]:
    lines = data.split(b"\r\n")
    assert lines[-1] == b""
    out = []
    for raw in lines[:-1]:
        assert len(raw) == 120
        layout = {b"1": HEADER, b"2": DATA, b"8": TRAILER}.get(raw[:1])
        fields = {"kind": raw[:1].decode()} if layout is None else {
            name: raw[start - 1:end].decode("cp932") for name, start, end in layout}
        out.append(fields)
    return out


def refund(n: int, amount: int, holder: str = "ヤマダ　タロウ") -> Transfer:
    return Transfer(bank_code="0001", branch_code=f"{n:03d}", account_type="普通", account_number=f"{n:07d}",
                    holder_kana=holder, amount=amount, customer_code=f"RF{n:08d}")


def test_header_data_trailer_end_read_back_by_the_layout() -> None:
    data = transfer_file(CITY, date(2025, 3, 10), [refund(1, 12_300), refund(2, 4_500, "キョウコ　スズキ")])
    h, d1, d2, t, e = parse(data)
    assert (h["kind"], h["type"], h["code_class"], h["requester_code"], h["date"]) == ("1", "21", "0", "1234567890",
                                                                                     "0310")
    assert h["requester"].rstrip() == "ｷﾀｷﾕｳｼﾕｳｼ"  # small kana written large
    assert (h["bank"], h["branch"], h["account_type"], h["account"]) == ("0177", "701", "2", "1234567")
    assert (d1["kind"], d1["bank"], d1["branch"], d1["account_type"], d1["account"]) == ("2", "0001", "001", "1",
                                                                                         "0000001")
    assert d1["holder"].rstrip() == "ﾔﾏﾀﾞ ﾀﾛｳ" and d2["holder"].rstrip() == "ｷﾖｳｺ ｽｽﾞｷ"
    assert (d1["amount"], d2["amount"]) == ("0000012300", "0000004500")
    assert (d1["customer1"], d1["transfer_kind"]) == ("RF00000001", "7")
    assert (t["kind"], t["count"], t["total"]) == ("8", "000002", "000000016800")
    assert e == {"kind": "9"}


@given(st.lists(st.integers(1, 9_999_999_999), min_size=0, max_size=30))
def test_every_record_is_120_bytes_and_the_trailer_sums_the_data(amounts: list[int]) -> None:
    records = parse(transfer_file(CITY, date(2025, 1, 6), [refund(i, a) for i, a in enumerate(amounts)]))
    data = [r for r in records if r["kind"] == "2"]
    (trailer,) = [r for r in records if r["kind"] == "8"]
    assert [r["kind"] for r in records] == ["1", *["2"] * len(amounts), "8", "9"]
    assert int(trailer["count"]) == len(data) and int(trailer["total"]) == sum(int(r["amount"]) for r in data)


@pytest.mark.parametrize(("transfer", "field"), [
    (refund(1, 0), "transfers[0].amount"), (refund(1, -5), "transfers[0].amount"),
    (refund(1, 100, holder="山田太郎"), "transfers[0].holder_kana"),
    (refund(1, 100, holder="ア" * 31), "transfers[0].holder_kana"),
    (Transfer("001X", "001", "普通", "1", "ア", 1), "transfers[0].bank_code"),
    (Transfer("0001", "001", "定期", "1", "ア", 1), "transfers[0].account_type"),
    (Transfer("0001", "001", "普通", "12345678", "ア", 1), "transfers[0].account_number"),
])
def test_what_the_format_cannot_carry_is_refused_naming_the_field(transfer: Transfer, field: str) -> None:
    with pytest.raises(ZenginError) as err:
        transfer_file(CITY, date(2025, 1, 6), [transfer])
    assert err.value.field == field
