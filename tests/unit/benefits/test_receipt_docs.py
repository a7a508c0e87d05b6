"""The example of docs/receipt_files.md is a file the intake takes, with the outcome the document states."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fakes.receipt_store import InMemoryReceiptStore

from kokuho.benefits.receipt_file import validate_receipt_file
from kokuho.benefits.receipt_intake import intake_receipt_file
from kokuho.benefits.receipt_ports import InsuredPeriod

DOC = Path(__file__).resolve().parents[3] / "docs" / "receipt_files.md"


def example() -> bytes:
    blocks = re.findall(r"```jsonl\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    return blocks[0].encode("utf-8")


def test_the_documented_example_is_valid() -> None:
    parsed, errors = validate_receipt_file(example())
    assert errors == [] and parsed is not None and parsed.lines == 3


def test_the_documented_example_stores_the_person_months_the_document_states() -> None:
    store = InMemoryReceiptStore()
    store.periods = {p: (InsuredPeriod(date(2024, 4, 1)),) for p in ("P000123", "P000456")}
    out = intake_receipt_file(example(), store=store, actor="system:test", key="doc")
    assert out["accepted"] and out["person_months"] == 2
    assert {k: (m.total_cost, m.copay) for k, m in store.months.items()} == {
        ("P000123", (2026, 5)): (20_940, 6_282), ("P000456", (2026, 5)): (520_000, 156_000)}
