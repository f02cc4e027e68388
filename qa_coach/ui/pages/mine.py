"""A representative's own view: scores and reasons, feedback to acknowledge, practice mode."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from qa_coach.domain.file_types import upload_types
from qa_coach.services import coaching, practice, queries, rubrics
from qa_coach.ui.components import interaction_link, md, pct, plain_errors, when
from qa_coach.ui.context import context, current_user, signals


def render() -> None:
    ctx, user = context(), current_user()
    if user.representative_id is None:
        st.info("This account is not linked to a representative.")
        return
    rows = queries.list_interactions(ctx.sessions, user.id, representative_id=user.representative_id, limit=100)
    st.subheader("My scored interactions")
    if not rows:
        st.write("Nothing scored yet.")
    else:
        st.dataframe(pd.DataFrame([{"Id": r.id, "When": when(r.occurred_at), "Channel": r.channel,
                                    "Score": pct(r.score), "Reviewed score": pct(r.human_score)} for r in rows]),
                     hide_index=True, key="mine_table")
        for r in rows[:20]:
            interaction_link(r.id, f"{when(r.occurred_at)} · {pct(r.score)} · see why")
    st.subheader("Feedback to acknowledge")
    open_sessions = [c for c in coaching.list_coaching_sessions(ctx.sessions, user.id, user.representative_id)
                     if not c.acknowledged]
    if not open_sessions:
        st.write("Nothing waiting.")
    for cs in open_sessions:
        st.markdown(f"**{when(cs.held_at)}** · focus: {md(', '.join(cs.focus_criteria))}  \n{md(cs.notes)}")
        for item in cs.action_items:
            st.markdown(f"- {md(item.text)}" + (f" (due {item.due_on})" if item.due_on else ""))
        if st.button("Acknowledge", key=f"ack_{cs.id}"):
            with plain_errors():
                coaching.acknowledge_coaching(ctx.sessions, user.id, cs.id)
                st.success("Acknowledged.")
    _practice(ctx, user)


def _practice(ctx, user) -> None:
    st.subheader("Practice mode")
    st.caption("Upload a role-play chat or call: it is scored at once and not stored.")
    upload = st.file_uploader("Role-play chat or call", key="practice_file",
                              type=upload_types())
    if upload is None:
        return
    versions = [v for v in rubrics.list_rubric_versions(ctx.sessions, user.id) if not v.deleted]
    if not versions:
        st.info("No rubric is stored yet.")
        return
    with plain_errors(), tempfile.TemporaryDirectory(prefix="qa-coach-practice-") as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        with st.spinner("Scoring ..."):
            cards = practice.score_practice_file(ctx.sessions, user.id, path, versions[-1].id, signals=signals())
        for card in cards:
            st.metric("Practice score (not stored)", pct(card.score))
            st.dataframe(pd.DataFrame([{"Criterion": r.name, "Answer": r.answer_label,
                                        "Points": "N/A" if r.na else f"{r.points:g} / {r.max_points:g}",
                                        "Why": r.na_reason if r.na else r.rationale} for r in card.results]),
                         hide_index=True, key=f"practice_{card.interaction_id}")
