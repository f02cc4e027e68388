"""Pages of a long list: which rows to ask the service for, and Previous / Next buttons."""

from __future__ import annotations

import streamlit as st


def page_offset(key: str, filters: object, page_size: int) -> int:
    """The first row of the page to show; back to the first page whenever ``filters`` change."""
    state = st.session_state
    seen = state.get(f"{key}_filters")
    if seen != (filters, page_size):
        state[f"{key}_filters"] = (filters, page_size)
        if seen is not None:
            state[f"{key}_page"] = 0
    return state.get(f"{key}_page", 0) * page_size


def pager(key: str, *, offset: int, shown: int, total: int, more: bool, noun: str, has_next: bool) -> None:
    """"Showing 26–50 of 3,412 interactions" with Previous / Next buttons."""
    of = f"more than {total:,}" if more else f"{total:,}"
    if shown:
        st.write(f"Showing {offset + 1:,}–{offset + shown:,} of {of} {noun}")
    else:
        st.write(f"No {noun} match." if offset == 0 else f"No more {noun} (of {of}).")
    if offset == 0 and not has_next:
        return
    c = st.columns([1, 1, 6])
    c[0].button("← Previous", key=f"{key}_previous", disabled=offset == 0, on_click=_turn, args=(key, -1))
    c[1].button("Next →", key=f"{key}_next", disabled=not has_next, on_click=_turn, args=(key, 1))


def _turn(key: str, step: int) -> None:
    st.session_state[f"{key}_page"] = max(0, st.session_state.get(f"{key}_page", 0) + step)
