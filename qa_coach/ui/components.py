"""Small rendering helpers shared by the pages."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from datetime import datetime
from typing import Iterable, Iterator

import streamlit as st

from qa_coach.domain.errors import QACoachError
from qa_coach.services.errors import NotFoundError, PermissionDeniedError

log = logging.getLogger("qa_coach.ui")


@contextmanager
def plain_errors() -> Iterator[None]:
    """Show what went wrong in plain words; never a traceback on the page."""
    try:
        yield
    except PermissionDeniedError as exc:
        st.error(f"Not allowed: {md(exc)}.", icon="🚫")
    except NotFoundError as exc:
        st.warning(f"Not found: {md(exc)}.")
    except QACoachError as exc:  # it may quote the file or the names in it
        st.error(md(exc))
    except Exception:  # Streamlit's own rerun/stop signals are BaseException and pass through
        log.exception("page failed")
        st.error("Something went wrong on this page. The details are in the server log; "
                  "please try again or tell your admin.")


# Every character that can start or end markdown in Streamlit: CommonMark's inline and block
# marks, GitHub's tables and strikethrough, Streamlit's :directives[...] and $math$. ("!"
# makes an image only before "[", escaped here.)
_MARKDOWN_MARKS = re.compile(r"([\\`*_{}\[\]()<>#+\-.|~:$=&@^])")
# GitHub-flavoured markdown also links bare URLs, "www." names and e-mail addresses in the
# text left after escapes are read, so a backslash does not stop those: an invisible word
# joiner inside "://", "www." and after "@" does.
_AUTOLINK_STARTS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
_WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """``text`` (chat text, names, notes, quotes) for a markdown string: shown as typed, never
    as a link, an image, formatting or HTML; line breaks are kept."""
    unlinked = _AUTOLINK_STARTS.sub(_WORD_JOINER, str(text))
    escaped = _MARKDOWN_MARKS.sub(r"\\\1", unlinked)
    return "  \n".join(line.strip() for line in escaped.splitlines())  # no indented code blocks


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def when(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M")


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    m, s = divmod(int(seconds), 60)
    return f"{m:02d}:{s:02d}"


def interaction_link(interaction_id: int, label: str | None = None, key: str | None = None) -> None:
    """A link to the interaction page; ``label`` is markdown (pass names through :func:`md`)."""
    from qa_coach.ui import nav

    page = nav.page_object("interaction")
    if page is None:  # a page test without the router
        st.markdown(f"interaction {interaction_id}")
        return
    st.page_link(page, label=label or f"Open interaction {interaction_id}", query_params={"id": str(interaction_id)})


def open_interaction(interaction_id: int) -> None:
    """Go to the interaction page showing this interaction, as :func:`interaction_link` does on a click."""
    from qa_coach.ui import nav

    page = nav.page_object("interaction")
    if page is None:  # a page test without the router
        st.markdown(f"interaction {interaction_id}")
        return
    st.switch_page(page, query_params={"id": str(interaction_id)})


def criterion_names(ids: Iterable[str]) -> str:
    """The criteria ``ids`` by the names their rubrics give them ("Apology, Closing"), for
    headings; an id no stored rubric names is shown as it is."""
    from qa_coach.services import interaction_search
    from qa_coach.ui.context import context, current_user

    names = {c.criterion_id: c.label for c in interaction_search.criterion_choices(context().sessions, current_user().id)}
    return ", ".join(names.get(i, i) for i in ids)
