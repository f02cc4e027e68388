"""The regular expressions of rubric files, run on RE2: a search takes time linear in the
length of the text, whatever the pattern, so no rubric can make scoring hang (``(a+)+$``
on a 40-character turn takes microseconds with RE2, and hours with a backtracking engine).

RE2 has no backreferences and no lookarounds; a pattern that uses them is refused with the
reason (:class:`PatternError`). Patterns otherwise read as they would in Python's ``re``:
they ignore case, ``\\w``, ``\\W``, ``\\d`` and ``\\D`` mean Unicode letters and digits
(RE2's own are ASCII), ``\\Z`` is the end of the text, ``\\uXXXX`` a character and ``{,n}``
at most n. ``\\b`` stays RE2's: a boundary between an ASCII letter, digit or ``_`` and
anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import re2

# Python's \w and \d for text: letters, digits (and numerals) of every script, and _.
_WORD = r"\p{L}\p{N}_"
_INSIDE_A_CLASS = {"w": _WORD, "d": r"\p{Nd}", "D": r"\P{Nd}"}
_OUTSIDE_A_CLASS = {"w": f"[{_WORD}]", "W": f"[^{_WORD}]", "d": r"\p{Nd}", "D": r"\P{Nd}", "Z": r"\z"}
_HEX_DIGITS = {"u": 4, "U": 8}

_NOT_SUPPORTED = (
    (("(?=", "(?!", "(?<=", "(?<!"), "lookarounds such as (?=…), (?!…), (?<=…) and (?<!…) are not supported"),
    (("(?#",), "comments (?#…) are not supported"),
)
_WHY = "rubric patterns run on RE2, which matches in linear time so that no pattern can make scoring hang"


class PatternError(ValueError):
    """A pattern RE2 cannot run; ``reason`` says why in a rubric author's words."""

    def __init__(self, pattern: str, reason: str) -> None:
        self.pattern = pattern
        self.reason = reason
        super().__init__(f"/{pattern}/: {reason}")


@dataclass(frozen=True)
class LinearPattern:
    """A compiled rubric pattern; ``source`` is the pattern as the rubric wrote it."""

    source: str
    _regexp: Any = field(repr=False, compare=False)  # re2's compiled pattern

    def search(self, text: str) -> str | None:
        """The first text the pattern matches in ``text``, or None."""
        found = self._regexp.search(text)
        return None if found is None else found.group(0)


def compile_pattern(source: str) -> LinearPattern:
    """Compile a rubric pattern (case-insensitive) for RE2, or raise :class:`PatternError`."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    try:
        return LinearPattern(source, re2.compile(_for_re2(source), options))
    except re2.error as exc:
        raise PatternError(source, _reason(source, _text(exc))) from None


def _text(exc: re2.error) -> str:
    message = exc.args[0] if exc.args else ""
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def _reason(source: str, error: str) -> str:
    for operators, words in _NOT_SUPPORTED:
        if any(op in error for op in operators):
            return f"{words}: {_WHY}"
    if (error.startswith("invalid escape sequence: \\") and error[-1:].isdigit()) or (
        "(?P" in error and "(?P=" in source
    ):
        return f"backreferences such as \\1 and (?P=name) are not supported: {_WHY}"
    if "too large" in error:
        return "the pattern is too large (RE2 bounds the memory a pattern may use); write it shorter"
    if "repetition" in error and "size" in error:
        return f"a repetition count is too large ({error.split(': ', 1)[-1]}; at most 1000)"
    return f"not a valid regular expression ({error})"


def _for_re2(source: str) -> str:
    """``source`` in RE2's syntax, with the Python meanings the module docstring lists."""
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        c = source[i]
        if c == "\\" and i + 1 < n:
            escape = source[i + 1]
            digits = _HEX_DIGITS.get(escape, 0)
            hex_part = source[i + 2 : i + 2 + digits]
            if digits and len(hex_part) == digits and all(h in "0123456789abcdefABCDEF" for h in hex_part):
                out.append(f"\\x{{{hex_part}}}")
                i += 2 + digits
                continue
            table = _INSIDE_A_CLASS if in_class else _OUTSIDE_A_CLASS
            out.append(table.get(escape, c + escape))
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
            start = i + 1
            if source.startswith("^", start):
                start += 1
            if source.startswith("]", start):  # a ']' first in a class is itself
                start += 1
            out.append(source[i:start])
            i = start
            continue
        if c == "]" and in_class:
            in_class = False
        elif c == "{" and not in_class and source.startswith(",", i + 1):
            end = source.find("}", i)
            if end > i + 2 and source[i + 2 : end].isascii() and source[i + 2 : end].isdigit():
                out.append(f"{{0,{source[i + 2 : end]}}}")
                i = end + 1
                continue
        out.append(c)
        i += 1
    return "".join(out)
