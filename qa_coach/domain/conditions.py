"""Boolean conditions over named signals: ``greet``, ``{all: [...]}``, ``{any: [...]}``, ``{not: ...}``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union


@dataclass(frozen=True)
class SignalRef:
    name: str


@dataclass(frozen=True)
class AllOf:
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class Not:
    item: "Condition"


Condition = Union[SignalRef, AllOf, AnyOf, Not]


def evaluate(cond: Condition, hit: Callable[[str], bool]) -> bool:
    if isinstance(cond, SignalRef):
        return hit(cond.name)
    if isinstance(cond, AllOf):
        return all(evaluate(c, hit) for c in cond.items)
    if isinstance(cond, AnyOf):
        return any(evaluate(c, hit) for c in cond.items)
    return not evaluate(cond.item, hit)


def deciding_signals(cond: Condition, hit: Callable[[str], bool]) -> list[tuple[str, bool]]:
    """The signals that made ``cond`` come out as it did, with the value each had.

    For ``all`` that held, every item; for ``all`` that failed, the items that failed;
    for ``any`` that held, the items that held; for ``any`` that failed, every item.
    """
    value = evaluate(cond, hit)
    if isinstance(cond, SignalRef):
        return [(cond.name, value)]
    if isinstance(cond, Not):
        return deciding_signals(cond.item, hit)
    out: list[tuple[str, bool]] = []
    for c in cond.items:
        item_value = evaluate(c, hit)
        if isinstance(cond, AllOf) and (value or not item_value):
            out += deciding_signals(c, hit)
        elif isinstance(cond, AnyOf) and (item_value or not value):
            out += deciding_signals(c, hit)
    return out
