"""The fast path's attribute-alias memo answers exactly as Moto's serializer.

Moto's ``XFormedAttributePicker`` first appears in the 5.2 line; where it is
absent the memo is off (see ``aiomoto.diagnostics()``) and so is this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, ClassVar

import pytest
from tests.parity import compare
from tests.parity_scripts import SCRIPTS

from aiomoto._fast_path import _memo
from aiomoto._fast_path import _pieces as _fast_path

_lacking = _fast_path.PIECES["attribute-alias memo"]()
if _lacking is not None:
    pytest.skip(
        f"the installed Moto lacks {_lacking}: the attribute-alias memo is off",
        allow_module_level=True,
    )

from moto.core.model import ShapeResolver  # noqa: E402
from moto.core.serialize import (  # noqa: E402
    AttributePickerContext,
    XFormedAttributePicker,
)


@pytest.fixture(autouse=True)
def fast_path_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # CI runs the suite a second time with the fast path off.
    monkeypatch.setenv("AIOMOTO_FAST_PATH", "1")


def test_installed_only_with_the_fast_path_and_removed_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import aiomoto

    original = vars(XFormedAttributePicker)["get_possible_keys"]
    with aiomoto.mock_aws():
        assert vars(XFormedAttributePicker)["get_possible_keys"] is _memo.possible_keys
    assert vars(XFormedAttributePicker)["get_possible_keys"] is original


# --- Moto's attribute aliases -------------------------------------------------------


def checking_possible_keys(
    checked: list[int],
) -> Any:
    memo = _memo.possible_keys

    def check(
        self: XFormedAttributePicker, context: AttributePickerContext
    ) -> Iterable[str]:
        remembered = list(memo(self, context))
        assert remembered == list(_memo._moto_possible_keys(self, context))
        checked[0] += 1
        return remembered

    return check


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_attribute_aliases_are_motos(
    monkeypatch: pytest.MonkeyPatch, script: Any
) -> None:
    # Every alias lookup of every parity script, answered by the memo (from
    # its table whenever it can) and by Moto, must agree.
    checked = [0]
    monkeypatch.setattr(_memo, "possible_keys", checking_possible_keys(checked))
    parity = asyncio.run(compare(script))
    assert parity.first_difference() is None
    if script.name in {"dynamodb", "sqs", "s3"}:
        assert checked[0] > 0


def test_the_structure_holding_a_member_is_part_of_the_answer() -> None:
    # Moto sets a member shape's parent to the structure being written; the
    # same member under another structure can have other aliases.
    resolver = ShapeResolver(
        {
            "DBInstance": {
                "type": "structure",
                "members": {"DBInstanceId": {"shape": "Id"}},
            },
            "Other": {
                "type": "structure",
                "members": {"DBInstanceId": {"shape": "Id"}},
            },
            "Id": {"type": "string"},
        }
    )
    member = resolver.get_shape_by_name("DBInstance").members["DBInstanceId"]
    picker = XFormedAttributePicker()
    _memo.clear()
    answers = []
    for parent in ("DBInstance", "Other", "DBInstance"):
        member.parent = resolver.get_shape_by_name(parent)  # type: ignore[attr-defined]
        context = AttributePickerContext(obj={}, key="DBInstanceId", shape=member)
        expected = list(_memo._moto_possible_keys(picker, context))
        assert list(_memo.possible_keys(picker, context)) == expected
        answers.append(expected)
    assert "Id" in answers[0]
    assert "Id" not in answers[1]


class WithMeta:
    class Meta:
        serialization_aliases: ClassVar[dict[str, str]] = {"Name": "label"}


class WithHook:
    def __getattr__(self, name: str) -> str:
        return name


class Plain:
    pass


def test_classes_that_can_answer_per_instance_are_not_remembered() -> None:
    assert _memo._decided_by_class(Plain)
    assert _memo._decided_by_class(dict)
    assert not _memo._decided_by_class(WithMeta)
    assert not _memo._decided_by_class(WithHook)
    assert not _memo._decided_by_class(type("Child", (WithMeta,), {}))


def test_an_instance_with_its_own_meta_is_asked_each_time() -> None:
    _memo.clear()
    value = Plain()
    value.Meta = WithMeta.Meta  # type: ignore[attr-defined]
    context = AttributePickerContext(obj=value, key="Name", shape=None)  # type: ignore[arg-type]
    picker = XFormedAttributePicker()
    expected = list(_memo._moto_possible_keys(picker, context))
    assert expected[0] == "label"
    assert list(_memo.possible_keys(picker, context)) == expected
    assert not _memo._aliases
