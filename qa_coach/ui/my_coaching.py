"""A representative's coaching on their own page: the action items they tick, and the example
calls their coach linked, to read (nothing on them can be changed from here)."""

from __future__ import annotations

from typing import Sequence

import streamlit as st

from qa_coach.services import coaching
from qa_coach.services.records import CoachingRecord
from qa_coach.ui.components import md, pct, plain_errors, when
from qa_coach.ui.pages.interaction import _scorecard as scorecard_table
from qa_coach.ui.pages.interaction import _transcript as transcript

EXAMPLE_KEY = "my_example"


def render_my_coaching(ctx, user) -> None:
    """Every coaching session of the signed-in representative, newest first."""
    history = list(reversed(coaching.list_coaching_sessions(ctx.sessions, user.id, user.representative_id)))
    _action_items(ctx, user, history)
    _examples(ctx, user, history)


def _tick(ctx, user, item_id: int, key: str) -> None:
    with plain_errors():  # shown at the top of the page: a callback runs before it is drawn
        coaching.complete_action_item(ctx.sessions, user.id, item_id, bool(st.session_state[key]))


def _action_items(ctx, user, history: Sequence[CoachingRecord]) -> None:
    st.subheader("My action items")
    items = [(cs, item) for cs in history for item in cs.action_items]
    if not items:
        st.write("No action items yet.")
        return
    open_items = sum(not item.done for _, item in items)
    st.caption(f"{open_items} open, {len(items) - open_items} done: tick an item when you have done it.")
    for cs, item in items:
        key = f"my_item_{item.id}"
        st.checkbox(md(item.text) + (f" (due {item.due_on:%Y-%m-%d})" if item.due_on else "")
                    + f" · from the session of {cs.held_at:%Y-%m-%d}", value=item.done, key=key,
                    on_change=_tick, args=(ctx, user, item.id, key))


def _examples(ctx, user, history: Sequence[CoachingRecord]) -> None:
    st.subheader("Example calls from your coach")
    linked = [(cs.id, iid) for cs in history for iid in cs.interaction_ids]
    if not linked:
        st.write("No example calls linked yet.")
        return
    held = {cs.id: cs.held_at for cs in history}
    chosen = st.selectbox("Read an example call", linked, index=None, placeholder="Choose a call", key=EXAMPLE_KEY,
                          format_func=lambda link: f"Session of {when(held[link[0]])} · call {link[1]}")
    if chosen is None:
        return
    with plain_errors():
        detail = coaching.coaching_example(ctx.sessions, user.id, *chosen)
        card = detail.scorecards[0].scorecard if detail.scorecards else None
        st.caption("Read only: a call your coach chose as an example. To question a score, open the call from "
                   "My scored interactions.")
        c = st.columns(2)
        c[0].metric("Automatic score", pct(card.score) if card else "–")
        c[1].metric("Human score", pct(detail.review.score) if detail.review else "not reviewed")
        transcript(detail.interaction, None)
        if card:
            scorecard_table(card)
