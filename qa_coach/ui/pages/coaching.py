"""Coaching: create and follow sessions (focus criteria, examples, notes, action items)."""

from __future__ import annotations

import streamlit as st

from qa_coach.services import analytics, coaching, queries
from qa_coach.services.errors import ValidationError
from qa_coach.ui import links
from qa_coach.ui.components import criterion_names, interaction_link, md, pct, plain_errors, when
from qa_coach.ui.context import context, current_user
from qa_coach.ui.flash import done
from qa_coach.ui.pages.progress import pick_rep


ITEM_ROWS_KEY = "coaching_item_rows"  # how many action item rows the form shows
FIRST_ITEM_ROWS = 3


def item_keys(row: int) -> tuple[str, str]:
    """The widget keys of one action item row: its words and its due date."""
    return f"coaching_item_{row}", f"coaching_due_{row}"


def action_item_inputs(rows: int) -> None:
    """One row an action item: what to do, and a due date chosen on a calendar (optional)."""
    st.markdown("**Action items** (a due date is optional)")
    for row in range(rows):
        text_key, due_key = item_keys(row)
        c = st.columns([3, 1])
        c[0].text_input(f"Action item {row + 1}", key=text_key)
        c[1].date_input("Due on", value=None, format="YYYY-MM-DD", key=due_key)


def action_items_entered(rows: int) -> tuple[coaching.NewActionItem, ...]:
    """The filled rows, in order; a due date without words is refused, naming the row."""
    items = []
    for row in range(rows):
        text_key, due_key = item_keys(row)
        words, due_on = (st.session_state.get(text_key) or "").strip(), st.session_state.get(due_key)
        if words:
            items.append(coaching.NewActionItem(words, due_on))
        elif due_on is not None:
            raise ValidationError(f"action item {row + 1} has a due date but no words: write what to do, "
                                  "or clear its date")
    return tuple(items)


def render() -> None:
    ctx, user = context(), current_user()
    rep = pick_rep("coaching_rep")
    if rep is None:
        return
    for cs in coaching.list_coaching_sessions(ctx.sessions, user.id, rep.id):
        with st.expander(f"{when(cs.held_at)} · focus: {md(criterion_names(cs.focus_criteria)) or '–'}"
                         f"{' · acknowledged' if cs.acknowledged else ''}",
                         expanded=cs.id == links.coaching_session_in_link()):  # ?session=ID opens it
            st.markdown(md(cs.notes) if cs.notes else "(no notes)")
            if cs.follow_up_on:
                st.caption(f"Follow up on {cs.follow_up_on}")
            for item in cs.action_items:
                ticked = st.checkbox(md(item.text) + (f" (due {item.due_on})" if item.due_on else ""),
                                     value=item.done, key=f"item_{item.id}")
                if ticked != item.done:
                    with plain_errors():
                        coaching.complete_action_item(ctx.sessions, user.id, item.id, ticked)
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
        rows = st.session_state.setdefault(ITEM_ROWS_KEY, FIRST_ITEM_ROWS)
        action_item_inputs(rows)
        follow = st.date_input("Follow up on", value=None, key="coaching_follow_up")
        submitted = st.form_submit_button("Save session")
    st.button("Another action item", key="coaching_more_items",
              on_click=lambda: st.session_state.update({ITEM_ROWS_KEY: rows + 1}))
    if submitted:
        with plain_errors():
            parsed = action_items_entered(rows)
            rec = coaching.create_coaching_session(ctx.sessions, user.id, rep.id, focus_criteria=tuple(focus),
                                                   notes=notes, interaction_ids=tuple(examples), action_items=parsed,
                                                   follow_up_on=follow)
            done(f"Coaching session saved with {len(rec.action_items)} action item(s).",
                 clear=("coaching_focus", "coaching_examples", "coaching_notes", "coaching_follow_up", ITEM_ROWS_KEY,
                        *(key for row in range(rows) for key in item_keys(row))))
