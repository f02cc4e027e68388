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
_MARKS = re.compile("(?:[ \t\r\n]*[\u0002\u0003])+[ \t\r\n]*")
_DROP = frozenset(("script", "style", "head", "title", "template"))
_HIDDEN_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_SPACES = re.compile(r"[ \t\f\v\u00a0\u200b]+")
_LOOKS_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_HTML.search(text))


def html_to_text(html: str) -> str:
    """Visible text of ``html``: <br> and block elements break lines, list items get
    "- ", scripts/styles and e-mail quoted-reply blocks (gmail_quote, cite) are dropped."""
    soup = BeautifulSoup(html, "html.parser")
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
    text = _MARKS.sub(lambda m: "\n\n" if _PARA_MARK in m.group() else "\n", "".join(out))
    return normalise_text(text)


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
