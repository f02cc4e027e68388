"""After a write: rerun the page so everything on it reads the new state, say what was done,
and empty the form that did it.

A page calls :func:`done` right after a successful service call. The message is kept in the
session for the run that follows and shown under the page title (:func:`show`, called by the
router), so it survives the rerun that redraws the header, lists and buttons.
"""

from __future__ import annotations

from typing import Any, Iterable, NoReturn

import streamlit as st

_MESSAGES_KEY = "qa_flash_messages"
_CLEAR_KEY = "qa_flash_clear"
_FORGET = object()  # a widget whose empty value is its own default: forgotten instead


def _empty_like(value: Any) -> Any:
    """The empty value of a text box ("") or a tick box (False); any other widget (a choice
    list, a date: they may have defaults of their own) is forgotten and comes back with its
    default."""
    if isinstance(value, str):
        return ""
    if isinstance(value, bool):
        return False
    return _FORGET


def done(message: str, *, clear: Iterable[str] = ()) -> NoReturn:
    """Keep ``message`` (markdown: pass names through ``md``) for the next run, empty the
    widgets named in ``clear`` and rerun the page now.

    The widgets are emptied at the start of the next run, before they are drawn again: a
    value set then is what the browser shows (forgetting the key alone leaves the old text
    on screen)."""
    st.session_state.setdefault(_MESSAGES_KEY, []).append(message)
    st.session_state[_CLEAR_KEY] = {key: _empty_like(st.session_state.get(key)) for key in clear}
    st.rerun()


def show() -> None:
    """Empty the widgets of the write that caused this run, and show its messages, once.
    The router calls it before the page draws its widgets."""
    for key, empty in st.session_state.pop(_CLEAR_KEY, {}).items():
        if empty is _FORGET:
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = empty
    for message in st.session_state.pop(_MESSAGES_KEY, []):
        st.success(message)
