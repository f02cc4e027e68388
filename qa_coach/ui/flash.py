"""After a write: rerun the page so everything on it reads the new state, say what was done,
and empty the form that did it.

A page calls :func:`done` right after a successful service call. The message is kept in the
session for the run that follows and shown under the page title (:func:`show`, called by the
router), so it survives the rerun that redraws the header, lists and buttons.
"""

from __future__ import annotations

from typing import Iterable, NoReturn

import streamlit as st

_MESSAGES_KEY = "qa_flash_messages"


def done(message: str, *, clear: Iterable[str] = ()) -> NoReturn:
    """Keep ``message`` (markdown: pass names through ``md``) for the next run, forget the
    widgets named in ``clear`` (they come back empty) and rerun the page now."""
    st.session_state.setdefault(_MESSAGES_KEY, []).append(message)
    for key in clear:
        st.session_state.pop(key, None)
    st.rerun()


def show() -> None:
    """The messages of the write that caused this run, once."""
    for message in st.session_state.pop(_MESSAGES_KEY, []):
        st.success(message)
