"""HTML message bodies to plain text with sensible line breaks."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import (
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    PageElement,
    ProcessingInstruction,
    Tag,
)

# Paragraph-like elements are set off by a blank line, line-like ones by a line break;
# adjacent boundaries merge into the strongest one instead of adding up.
_PARAGRAPHS = frozenset(
    ("p", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr")
)
_LINES = frozenset(("div", "li", "tr", "section", "article", "header", "footer", "dd", "dt"))
_PARA_MARK, _LINE_MARK = "\u0002", "\u0003"
_MARK_RUN = re.compile("[\u0002\u0003][\u0002\u0003 \t\r\n]*")
_BLANKS = " \t\r\n"
_DROP = frozenset(("script", "style", "head", "title", "template"))
_HIDDEN_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_SPACES = re.compile(r"[ \t\f\v\u00a0\u200b]+")
# Bounded by the next "<" so that a search from every "<" of "<a<a<a..." stays linear.
_LOOKS_HTML = re.compile(r"<\s*+/?\s*+[a-zA-Z][^<>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
# A "<" that opens no tag before the next "<" or ">": Python's HTML parser rescans the rest
# of the document from each such "<" (quadratic time), so it is escaped before parsing.
_STRAY_LT = re.compile(r"<(?![a-zA-Z/!?][^<>]*>)")


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_HTML.search(text))


def html_to_text(html: str) -> str:
    """Visible text of ``html``: <br> and block elements break lines, list items get
    "- ", scripts/styles and e-mail quoted-reply blocks (gmail_quote, cite) are dropped."""
    soup = parse_html(html)
    out: list[str] = []
    # Iterative walk (deeply nested mail HTML would overflow recursion); a str on the
    # stack is output to emit after a tag's children.
    stack: list[PageElement | str] = list(reversed(soup.contents))
    while stack:
        node = stack.pop()
        if isinstance(node, str) and not isinstance(node, PageElement):
            out.append(node)
        elif isinstance(node, NavigableString):
            if not isinstance(node, _HIDDEN_STRINGS):
                out.append(str(node))
        elif isinstance(node, Tag):
            name = node.name
            if name in _DROP or _is_quoted_reply(node):
                continue
            if name == "br":
                out.append("\n")
                continue
            mark = _PARA_MARK if name in _PARAGRAPHS else _LINE_MARK if name in _LINES else ""
            out.append(mark + ("- " if name == "li" else ""))
            stack.append(mark + (" " if name in ("td", "th") else ""))
            stack.extend(reversed(node.contents))
    return normalise_text(_merge_marks("".join(out)))


def _merge_marks(text: str) -> str:
    """Each run of boundary marks, with the blanks around it, becomes one line break (a
    blank line when a paragraph mark is in it). Linear: a regular expression that also
    matched the blanks before a mark would retry every long run of blanks from each start."""
    parts: list[str] = []
    pos = 0
    for m in _MARK_RUN.finditer(text):
        parts.append(text[pos : m.start()].rstrip(_BLANKS))
        parts.append("\n\n" if _PARA_MARK in m.group() else "\n")
        pos = m.end()
    parts.append(text[pos:])
    return "".join(parts)


def parse_html(html: str) -> BeautifulSoup:
    """The parsed document, in time linear in its length (stray "<" escaped first)."""
    return BeautifulSoup(_STRAY_LT.sub("&lt;", html), "html.parser")


def normalise_text(text: str) -> str:
    """Collapse runs of spaces, trim lines, keep at most one blank line in a row."""
    lines = [
        _SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _is_quoted_reply(tag: Tag) -> bool:
    classes = tag.get("class") or []
    if any("gmail_quote" in c or c in ("yahoo_quoted", "moz-cite-prefix") for c in classes):
        return True
    return tag.name == "blockquote" and tag.get("type") == "cite"
