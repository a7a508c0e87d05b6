"""The list of uses (kokuho/data/requests/uses.v1.json): every category a suspension may name has its uses;
a use that continues under a suspension names its law; one that stops names none; nothing unknown."""

from __future__ import annotations

import pytest

from kokuho.requests.model import SUSPENDABLE
from kokuho.requests.suspension import UsesFileError, load_uses, parse_uses


def test_the_shipped_list_covers_every_category_and_each_continuing_use_names_its_law() -> None:
    uses = load_uses()
    assert {u.category for u in uses.values()} == set(SUSPENDABLE)
    for use in uses.values():
        assert (use.basis is not None) == (use.when_suspended == "continue"), use.use_id
        if use.basis:
            assert "法" in use.basis, use.use_id


@pytest.mark.parametrize(("use", "error"), [
    ({"category": "linkage", "when_suspended": "continue"}, "basis"),
    ({"category": "linkage", "when_suspended": "continue", "basis": " "}, "basis"),
    ({"category": "linkage", "when_suspended": "stop", "basis": "法"}, "basis"),
    ({"category": "requests", "when_suspended": "stop"}, "category"),
    ({"category": "linkage", "when_suspended": "sometimes"}, "when_suspended"),
    ({"category": "linkage", "when_suspended": "stop", "owner": "x"}, "unknown field"),
])
def test_a_use_without_its_rule_is_refused(use: dict[str, object], error: str) -> None:
    with pytest.raises(UsesFileError, match=error):
        parse_uses({"uses": {"x.y": use}})
