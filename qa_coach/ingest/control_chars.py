"""Control characters out of chat text, the same way for every importer.

NUL and the other control characters (C0 but tab, line feed and carriage return; DEL; C1)
are removed, and a lone surrogate (only a JSON escape such as ``\\ud800`` can make one)
becomes U+FFFD. PostgreSQL refuses NUL in text and no database stores a lone surrogate,
so this runs where text enters (the whole document, then every JSON string), and SQLite
and PostgreSQL store the same thing.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A JSON escape that decodes to a control character or a surrogate (a few harmless
# escapes, such as \u000a, match too: they only cost a walk over the parsed document).
_JSON_ESCAPE = re.compile(r"\\u(?:00[0-189][0-9a-fA-F]|007[fF]|[dD][89a-fA-F][0-9a-fA-F]{2})")


def remove_control_characters(text: str) -> str:
    """``text`` without control characters (tab and line breaks stay), lone surrogates
    replaced by U+FFFD."""
    if _CONTROL.search(text) is not None:
        text = _CONTROL.sub("", text)
    if _SURROGATE.search(text) is not None:
        text = _SURROGATE.sub("\ufffd", text)
    return text


def clean_json_strings(data: Any, text: str) -> Any:
    """``data`` (parsed from ``text``) with every string and key cleaned like
    :func:`remove_control_characters`; a document whose text has no such escape is
    returned as it is. Lists and objects are cleaned in place, without recursion."""
    if isinstance(data, str):
        return remove_control_characters(data)
    if _JSON_ESCAPE.search(text) is None:
        return data
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    node[i] = remove_control_characters(value)
                elif isinstance(value, (list, dict)):
                    stack.append(value)
        elif isinstance(node, dict):
            pairs = [
                (remove_control_characters(k), remove_control_characters(v) if isinstance(v, str) else v)
                for k, v in node.items()
            ]
            node.clear()
            node.update(pairs)
            stack.extend(v for _, v in pairs if isinstance(v, (list, dict)))
    return data
