"""What every chat format module provides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ..builder import PendingIter
from ..context import ParseContext


@dataclass(frozen=True)
class ChatFormat:
    """``kind`` "json": ``claims``/``parse`` get the parsed JSON value; "text": the raw text.

    ``claims`` tells auto-detection whether a document (or, for JSON lists, one item) has
    this format's shape; ``parse`` yields one pending conversation per conversation.
    """

    name: str
    description: str
    kind: Literal["json", "text"]
    claims: Callable[[Any], bool]
    parse: Callable[[Any, ParseContext], PendingIter]
