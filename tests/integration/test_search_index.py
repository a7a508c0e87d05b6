"""The search index's keys are keyed hashes (kokuho.records.search_index), and the counter's searches answer
exactly what the clear index answered: the same persons, in the same order — kana then id, address then
id, id for the exact searches — page after page, whatever the page size. The in-memory fake of the port
(tests/fakes/qualification_store.py) keeps the clear index's semantics (its sort keys are the values
themselves), so every search is compared with it (the migration: test_search_index_reindex.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fakes.qualification_store import InMemoryQualificationStore

from kokuho.access.actor import Actor
from kokuho.qualification import registrations
from kokuho.qualification.model import Person
from kokuho.qualification.ports import InvalidPageToken

TODAY = date(2024, 9, 1)
CLERK = Actor("S0001", "T-KOKUHO-01", "資格管理")
FAMILIES = ("キタキュウ", "キタ", "コクラ", "モジ", "ムラサキガワ", "イトウヅ", "イトウ", "キ")
GIVEN = ("タロウ", "ハナコ", "ジロウ", "ア", "タロウ")  # a repeated full name: persons of one name by id
STREETS = ("北九州市小倉北区城内", "北九州市小倉北区城内1", "北九州市戸畑区飛幡町", "北九州市小倉北区浅野")


def _persons() -> list[Person]:
    out = []
    for i in range(36):
        family, given = FAMILIES[i % len(FAMILIES)], GIVEN[(i * 7) % len(GIVEN)]
        postal = ("803-8501", "804-0001")[i % 2]
        out.append(Person(f"P{(i * 37) % 100:03d}", f"R{i:04d}", f"H{i:03d}", "北九 太郎", f"{family} {given}",
                          date(1970 + i % 3, 1 + i % 2, 1), "1", "世帯主", postal,
                          f"{STREETS[i % len(STREETS)]}{i % 4}-1", resident_from=date(2024, 4, 1)))
    return out


@pytest.fixture(scope="module")
def stores() -> Iterator[tuple[Any, InMemoryQualificationStore]]:
    from kokuho_local.embedded import embedded_aws

    fake = InMemoryQualificationStore()
    with embedded_aws():
        from kokuho.records.qualification_store import PynamoQualificationStore

        store = PynamoQualificationStore()
        for p in _persons():
            for s in (store, fake):
                registrations.register_person(s, CLERK, p, None, TODAY)
        yield store, fake


def _all_pages(store: Any, index: str, value: str, prefix: str | None, limit: int) -> list[list[str]]:
    pages, token = [], None
    for _ in range(100):
        page = store.search(index, value, prefix, limit, token)
        pages.append(page.person_ids)
        token = page.next_token
        if token is None:
            return pages
    raise AssertionError("no end")


SEARCHES = [("KANA", q[:1], q) for q in ("キ", "キタ", "キタキ", "キタキュウ", "キタキュウタロ", "キタキュウタロウ",
                                          "イトウ", "イトウヅ", "ム", "モジハ", "コクラジロウ", "ン", "キタキュウア")]
SEARCHES += [("POSTAL", "803-8501", None), ("POSTAL", "804-0001", None), ("POSTAL", "803-8501", "北九州市小倉北区城内"),
             ("POSTAL", "803-8501", "北九州市小倉北区城内1"), ("POSTAL", "804-0001", "北九州市戸畑"),
             ("POSTAL", "999-9999", None), ("BIRTH", "1971-02-01", None), ("BIRTH", "1970-01-01", None),
             ("RES", "R0007", None), ("RES", "R9999", None)]


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 50])
def test_every_search_pages_as_the_clear_index_did(stores: tuple[Any, InMemoryQualificationStore],
                                                   limit: int) -> None:
    store, fake = stores
    for index, value, prefix in SEARCHES:
        got, expected = _all_pages(store, index, value, prefix, limit), _all_pages(fake, index, value, prefix, limit)
        # the same persons in the same order; a last page may differ only by being empty (a full page carries
        # a token, as DynamoDB's last key does, on either side)
        assert [i for p in got for i in p] == [i for p in expected for i in p], (index, value, prefix, limit)
        assert [p for p in got if p] == [p for p in expected if p], (index, value, prefix, limit)
    assert _all_pages(store, "KANA", "キ", "キタキュウ", 50)[0]  # not vacuous


def test_a_token_serves_only_its_own_search(stores: tuple[Any, InMemoryQualificationStore]) -> None:
    store, _ = stores
    first = store.search("KANA", "キ", "キタ", 1, None)
    assert first.next_token
    with pytest.raises(InvalidPageToken, match="another search"):
        store.search("KANA", "キ", "キタキュウ", 1, first.next_token)
    with pytest.raises(InvalidPageToken, match="not a token"):
        store.search("KANA", "キ", "キタ", 1, "e30=")

