"""The permitted list (別紙1) as data: every row, the provision and query items, allow-lists, flags."""

from __future__ import annotations

import json
from pathlib import Path

from kokuho.linkage.permitted_list import load_permitted_list

SHARED = Path("/work/shared/data/permitted_list.json")
PROVISION = ["2", "3", "6", "13", "16", "19", "20の2", "27", "38", "42", "48", "55の2", "56", "65", "69", "70",
             "81", "83", "87", "95の2", "115", "125", "131", "137", "141", "145", "158", "161", "164", "165",
             "166", "173", "173の2"]


def test_every_row_of_the_annex_with_its_printed_text() -> None:
    plist = load_permitted_list()
    # 別紙1's 34 rows, and the one query outside it (公金受取口座, see the file's notes)
    annex = {k: v for k, v in plist.rows.items() if k != "公金受取口座"}
    assert len(annex) == 34 and len(plist.rows) == 35
    row = plist.item("173の2")
    assert row.requester == "都道府県知事" and row.provider == "医療保険者又は後期高齢者医療広域連合"
    assert row.business.startswith("「先天性血液凝固因子障害等治療研究事業について」")
    if SHARED.exists():  # the source the file was derived from: printed text kept verbatim
        src = {r["item"]: r for r in json.loads(SHARED.read_text("utf-8"))["rows"]}
        assert set(src) == set(annex)
        for item, r in src.items():
            got = plist.rows[item]
            assert (got.requester, got.business, got.provider, got.information) == (
                r["requester"], r["business"], r["provider"], r["information"])


def test_provision_and_query_items_of_I_6() -> None:
    plist = load_permitted_list()
    assert sorted(r.item for r in plist.provision_items()) == sorted(PROVISION)
    # 48, 69, 70 of I-6 ②, and the 公金受取口座 for premium refunds (II-2 ④ since 令和5年2月13日; not in 別紙1)
    assert plist.query_items == ("48", "69", "70", "公金受取口座")
    account = plist.item("公金受取口座")
    assert (account.query, account.provision, account.fields) == (True, False, ("public_funds_account",))
    five = plist.item("5")
    assert not five.provision and five.fields == () and five.not_provided_reason


def test_every_provision_item_has_a_non_empty_allow_list_within_the_vocabulary() -> None:
    plist = load_permitted_list()
    for row in plist.provision_items():
        assert row.fields, row.item
        assert set(row.fields) <= set(plist.fields)
    assert "premium_paid" in plist.item("48").fields  # 社会保険料控除: what was paid
    assert "benefit_payments" not in plist.item("48").fields


def test_items_whose_request_reveals_a_health_condition_are_not_answered_automatically() -> None:
    plist = load_permitted_list()
    held = {r.item for r in plist.provision_items() if not r.auto_response}
    assert {"13", "42", "137", "158", "164", "165", "166", "173", "173の2"} <= held
    assert "2" not in held and "48" not in held
    assert all(plist.rows[i].no_auto_reason for i in held)


def test_requester_kinds() -> None:
    plist = load_permitted_list()
    assert plist.admits("69", "市町村長") and plist.admits("69", "国民健康保険組合")
    assert not plist.admits("2", "健康保険組合")
    assert not plist.admits("5", "厚生労働大臣")  # listed, not provided
    assert not plist.admits("999", "市町村長")


def test_a_query_of_an_item_not_permitted_never_repeats_the_item() -> None:
    """The item is the query run's input: its refusal is the Lambda's errorMessage, which Step Functions keeps as the
    execution's cause and the run's output (NotSent) — `item '1234…'` put a My Number typed into the wrong field
    there. (The embedded AWS redacts error messages; AWS does not.)"""
    import pytest

    from kokuho.identity.mynumber import count_my_numbers
    from kokuho.linkage.query import QueryError, prepare_query

    number = "12345678901" + "8"  # valid check digit; built here, never printed
    for item in (number, f"{number[:4]}-{number[4:8]}-{number[8:]}", f"item {number}"):
        with pytest.raises(QueryError) as caught:
            prepare_query("P100", item, "福岡市", network=None)  # type: ignore[arg-type]  # refused before any use
        leaked = count_my_numbers(str(caught.value), inside_identifiers=True)
        assert leaked == 0
