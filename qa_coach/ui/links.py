"""Links that can be bookmarked or sent to a colleague: ``?interaction=ID``, ``?rep=ID`` and
``?session=ID`` open the page that shows it, once signed in, if the user may see it.

A link opens its page with the page's own query parameters (``/interaction?id=ID``,
``/progress?rep=ID``, ``/coaching?rep=ID&session=ID``), which are links too: each is
checked the same way, and one that cannot be opened gets one plain answer (not found, or
not yours) and is dropped from the address.
"""

from __future__ import annotations

import streamlit as st

from qa_coach.services import deep_links
from qa_coach.services.deep_links import COACHING_SESSION, INTERACTION, REPRESENTATIVE, LinkTarget
from qa_coach.ui import nav
from qa_coach.ui.components import md
from qa_coach.ui.context import AppContext

_OPENED_KEY = "qa_opened_links"  # (user, kind, id) already checked in this tab
INTERACTION_PAGE_PARAM = "id"  # the interaction page's own parameter


def follow(ctx: AppContext, user, current_page: str | None) -> None:
    """Open the page the address links to (``current_page``: the key of the page the
    address opened), or say plainly that it cannot be opened."""
    link = _requested(current_page)
    if link is None:
        return
    kind, raw = link
    opened = st.session_state.setdefault(_OPENED_KEY, {})
    target = opened.get((user.id, kind, raw))
    if target is None:
        try:
            target = deep_links.open_link(ctx.sessions, user.id, kind, raw)
        except deep_links.LinkNotFoundError as exc:
            st.warning(md(str(exc)[:1].upper() + str(exc)[1:]) + ".", icon=":material/link_off:")
            for name in (*deep_links.KINDS, INTERACTION_PAGE_PARAM):
                st.query_params.pop(name, None)
            return
        opened[(user.id, kind, raw)] = target
    page, params = page_for(target, user.role)
    if page != current_page and nav.page_object(page) is not None:
        st.switch_page(nav.page_object(page), query_params=params)


def page_for(target: LinkTarget, role: str) -> tuple[str, dict[str, str]]:
    """The page that shows a link's record to this role, and that page's query parameters."""
    if target.kind == INTERACTION:
        return "interaction", {INTERACTION_PAGE_PARAM: str(target.id)}
    if target.kind == COACHING_SESSION:
        page = "coaching" if role in nav.BY_KEY["coaching"].roles else "progress"
        return page, {REPRESENTATIVE: str(target.representative_id), COACHING_SESSION: str(target.id)}
    return "progress", {REPRESENTATIVE: str(target.id)}


def representative_in_link() -> int | None:
    """The representative the address names (``?rep=ID``), for a page to preselect."""
    return _int_param(REPRESENTATIVE)


def coaching_session_in_link() -> int | None:
    """The coaching session the address names (``?session=ID``), for a page to open."""
    return _int_param(COACHING_SESSION)


def _requested(current_page: str | None) -> tuple[str, str] | None:
    params = st.query_params
    for kind in deep_links.KINDS:
        if kind in params:
            return kind, params[kind]
    if current_page == "interaction" and INTERACTION_PAGE_PARAM in params:
        return INTERACTION, params[INTERACTION_PAGE_PARAM]
    return None


def _int_param(name: str) -> int | None:
    raw = st.query_params.get(name)
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) <= 10 else None

