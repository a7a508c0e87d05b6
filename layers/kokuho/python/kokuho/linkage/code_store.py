"""The 符号 store wired to its adapter (kokuho.records.linkage_codes), one per container: what
kokuho.linkage.codes uses unless a store is passed (unit tests pass tests/fakes/code_store.py)."""

from __future__ import annotations

from functools import cache

from kokuho.linkage.code_ports import CodeStore


@cache
def wired() -> CodeStore:
    from kokuho.records.linkage_codes import PynamoCodeStore

    return PynamoCodeStore()
