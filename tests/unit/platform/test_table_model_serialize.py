"""TableModel.serialize (kokuho.records.base): every model of the records gives pynamodb's own serialization —
the same dict, the same AttributeNullError — and a model of plain attributes takes the short path (no read of
its attributes through pynamodb's descriptors)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from pynamodb.attributes import (
    Attribute,
    AttributeContainer,
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import AttributeNullError

import kokuho.records as records
from kokuho.records.base import TableModel, _serialize_plan

for _module in pkgutil.iter_modules(records.__path__):
    importlib.import_module(f"kokuho.records.{_module.name}")


def _models(cls: Any = TableModel) -> Iterator[type[TableModel]]:
    subs: list[Any] = cls.__subclasses__()
    for sub in subs:
        yield sub
        yield from _models(sub)


MODELS = sorted(set(_models()), key=lambda c: f"{c.__module__}.{c.__qualname__}")
PLAIN = [m for m in MODELS if _serialize_plan(m) is not None]


def _sample(attribute: Any, k: int) -> Any:
    if isinstance(attribute, BooleanAttribute):
        return k % 2 == 0
    if isinstance(attribute, NumberAttribute):
        return [3, 0, -7, 2.5][k % 4]
    if isinstance(attribute, JSONAttribute):
        return [{"a": [1, "か"], "b": None}, [], "", {"z": {"y": 1}}][k % 4]
    if isinstance(attribute, UnicodeAttribute):
        return ["x", "", "タナカ", "P#1"][k % 4]
    if isinstance(attribute, ListAttribute):
        return [["a", "タ"], [], ["H0001"], ["x", "y", "z"]][k % 4]
    return None


def _pynamodb(model: TableModel, null_check: bool = True) -> dict[str, Any]:
    return AttributeContainer._container_serialize(model, null_check=null_check)


def test_the_short_path_is_taken_by_the_item_models_of_the_intake() -> None:
    names = {m.__name__ for m in PLAIN}
    assert {"HistoryModel", "SearchKeyModel", "SubjectIndexModel"} <= names
    assert len(PLAIN) >= len(MODELS) // 2


def _same_as_pynamodb(item: TableModel, null_check: bool = True) -> None:
    try:
        expected = _pynamodb(item, null_check=null_check)
    except AttributeNullError as theirs:
        with pytest.raises(AttributeNullError) as ours:
            item.serialize(null_check=null_check)
        assert str(ours.value) == str(theirs)
        return
    assert item.serialize(null_check=null_check) == expected


@pytest.mark.parametrize("model", PLAIN, ids=lambda m: m.__name__)
def test_a_plain_model_serializes_as_pynamodb_does(model: type[TableModel], monkeypatch: pytest.MonkeyPatch) -> None:
    attributes = model.get_attributes()
    reads = [0]
    original = Attribute.__get__

    def counted(self: Any, instance: Any, owner: Any) -> Any:
        if instance is not None:
            reads[0] += 1
        return original(self, instance, owner)

    for k in range(4):
        values = {name: _sample(a, k) for name, a in attributes.items()}
        item = model(**values)
        expected = _pynamodb(item)
        reads[0] = 0
        monkeypatch.setattr(Attribute, "__get__", counted)
        got = item.serialize()
        monkeypatch.setattr(Attribute, "__get__", original)
        assert got == expected
        assert reads[0] == 0  # the short path: no descriptor read of each attribute
        # each attribute left out (its default, if any, set by pynamodb): the same dict or the same error
        for name in attributes:
            partial = model(**{n: v for n, v in values.items() if n != name})
            _same_as_pynamodb(partial)
            _same_as_pynamodb(partial, null_check=False)
        # a list holding a None: pynamodb's error naming the list, or the same dict
        for name, a in attributes.items():
            if isinstance(a, ListAttribute):
                _same_as_pynamodb(model(**{**values, name: ["a", None]}))


@pytest.mark.parametrize("model", [m for m in MODELS if m not in PLAIN], ids=lambda m: m.__name__)
def test_any_other_model_is_pynamodbs_own(model: type[TableModel]) -> None:
    item = model(**{name: v for name, a in model.get_attributes().items() if (v := _sample(a, 0)) is not None})
    assert item.serialize(null_check=False) == _pynamodb(item, null_check=False)
