"""Coaching: create and follow sessions (focus criteria, examples, notes, action items)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from qa_coach.services import analytics, coaching, queries
from qa_coach.ui.components import interaction_link, md, pct, plain_errors, when
from qa_coach.ui.context import context, current_user
from qa_coach.ui.pages.progress import pick_rep


def parse_action_items(text: str) -> tuple[coaching.NewActionItem, ...]:
    """One item a line; an optional due date after '|' (YYYY-MM-DD)."""
    items = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        words, _, due = line.partition("|")
        try:
            due_on = date.fromisoformat(due.strip()) if due.strip() else None
        except ValueError:
            raise ValueError(f"action item line {n}: the due date {due.strip()!r} is not YYYY-MM-DD") from None
        items.append(coaching.NewActionItem(words.strip(), due_on))
    return tuple(items)


def render() -> None:
    ctx, user = context(), current_user()
    rep = pick_rep("coaching_rep")
    if rep is None:
        return
    for cs in coaching.list_coaching_sessions(ctx.sessions, user.id, rep.id):
        with st.expander(f"{when(cs.held_at)} · focus: {md(', '.join(cs.focus_criteria)) or '–'}"
                         f"{' · acknowledged' if cs.acknowledged else ''}", expanded=False):
            st.markdown(md(cs.notes) if cs.notes else "(no notes)")
            if cs.follow_up_on:
                st.caption(f"Follow up on {cs.follow_up_on}")
            for item in cs.action_items:
                done = st.checkbox(md(item.text) + (f" (due {item.due_on})" if item.due_on else ""), value=item.done,
                                   key=f"item_{item.id}")
                if done != item.done:
                    with plain_errors():
                        coaching.complete_action_item(ctx.sessions, user.id, item.id, done)
            for iid in cs.interaction_ids:
                interaction_link(iid, f"Example: interaction {iid}")
    st.subheader("New coaching session")
    progress = analytics.rep_progress(ctx.sessions, user.id, rep.id)
    weakest = [s.criterion_id for s in progress.weakest]
    names = dict(progress.criterion_names)
    recent = queries.list_interactions(ctx.sessions, user.id, representative_id=rep.id, limit=50)
    with st.form("coaching_form"):
        focus = st.multiselect("Focus criteria", list(names), default=weakest[:2], format_func=lambda c: names[c],
                               key="coaching_focus")
        examples = st.multiselect("Example interactions", [r.id for r in recent], key="coaching_examples",
                                  format_func=lambda i: next(f"{i} · {r.occurred_at:%Y-%m-%d} · {pct(r.score)}"
                                                             for r in recent if r.id == i))
        notes = st.text_area("Notes", key="coaching_notes")
        items = st.text_area("Action items (one a line; 'text | YYYY-MM-DD' for a due date)", key="coaching_items")
        follow = st.date_input("Follow up on", value=None, key="coaching_follow_up")
        submitted = st.form_submit_button("Save session")
    if submitted:
        with plain_errors():
            try:
                parsed = parse_action_items(items)
            except ValueError as exc:
                st.error(md(exc))
                return
            rec = coaching.create_coaching_session(ctx.sessions, user.id, rep.id, focus_criteria=tuple(focus),
                                                   notes=notes, interaction_ids=tuple(examples), action_items=parsed,
                                                   follow_up_on=follow)
            st.success(f"Coaching session saved with {len(rec.action_items)} action item(s).")
