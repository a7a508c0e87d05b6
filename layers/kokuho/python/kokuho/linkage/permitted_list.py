"""Permitted list (照会許可用照合リスト — the assessment's 別紙1) and the field allow-list per item.

Data: kokuho/data/linkage/permitted_list.v<N>.json, one file per version. Each row of 別紙1 carries
the item number (項番, e.g. "20の2"), the requester as printed and the requester kinds it admits,
the business, provider and information as printed, whether the city provides it (I-6 ②), whether
the city queries it (items 48, 69, 70), the NHI fields a reply may carry, and whether it is
自動応答不可 (no automatic response: a person reviews the content first, III-6 リスク5) with the
recorded reason. Pure: no AWS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

CURRENT_VERSION = 1


class UnknownItem(LookupError):
    """The item number is not in 別紙1."""


@dataclass(frozen=True)
class PermittedItem:
    item: str
    requester: str
    requester_kinds: tuple[str, ...]
    business: str
    provider: str
    information: str
    provision: bool  # the city answers requests for this item
    query: bool  # the city sends queries under this item
    fields: tuple[str, ...]  # allow-list: the only NHI fields a reply may carry
    auto_response: bool  # False: 自動応答不可, held for a staff approval
    no_auto_reason: str | None = None
    not_provided_reason: str | None = None


@dataclass(frozen=True)
class PermittedList:
    version: int
    valid_from: str
    fields: dict[str, str]  # vocabulary: field name → description
    rows: dict[str, PermittedItem]
    query_items: tuple[str, ...]

    def item(self, item: str) -> PermittedItem:
        try:
            return self.rows[item]
        except KeyError:
            raise UnknownItem(f"item {item!r} is not in the permitted list v{self.version}") from None

    def provision_items(self) -> list[PermittedItem]:
        return [r for r in self.rows.values() if r.provision]

    def admits(self, item: str, requester_kind: str) -> bool:
        row = self.rows.get(item)
        return bool(row and row.provision and requester_kind in row.requester_kinds)


def _parse(raw: dict[str, Any]) -> PermittedList:
    vocab: dict[str, str] = dict(raw["fields"])
    rows: dict[str, PermittedItem] = {}
    for r in raw["rows"]:
        unknown = [f for f in r["fields"] if f not in vocab]
        if unknown:
            raise ValueError(f"item {r['item']}: fields outside the vocabulary: {unknown}")
        if not r["auto_response"] and not r.get("no_auto_reason"):
            raise ValueError(f"item {r['item']}: 自動応答不可 without a recorded reason")
        if r["item"] in rows:
            raise ValueError(f"item {r['item']} listed twice")
        rows[r["item"]] = PermittedItem(
            item=r["item"], requester=r["requester"], requester_kinds=tuple(r["requester_kinds"]),
            business=r["business"], provider=r["provider"], information=r["information"],
            provision=bool(r["provision"]), query=bool(r["query"]), fields=tuple(r["fields"]),
            auto_response=bool(r["auto_response"]), no_auto_reason=r.get("no_auto_reason"),
            not_provided_reason=r.get("not_provided_reason"),
        )
    return PermittedList(version=int(raw["version"]), valid_from=raw["valid_from"], fields=vocab, rows=rows,
                         query_items=tuple(raw["query_items"]))


@lru_cache(maxsize=4)
def load_permitted_list(version: int = CURRENT_VERSION) -> PermittedList:
    text = (resources.files("kokuho.data") / "linkage" / f"permitted_list.v{version}.json").read_text("utf-8")
    return _parse(json.loads(text))
