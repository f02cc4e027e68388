"""A representative's own view: scores and reasons, feedback to acknowledge, practice mode."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qa_coach.domain.errors import QACoachError
from qa_coach.domain.file_types import upload_types
from qa_coach.services import coaching, practice, queries, rubrics
from qa_coach.ui.components import criterion_names, interaction_link, md, pct, plain_errors, when
from qa_coach.ui.context import context, current_user, signals
from qa_coach.ui.flash import done
from qa_coach.ui.my_coaching import render_my_coaching
from qa_coach.ui.uploads import save_upload, upload_folder, without_folder


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
        st.markdown(f"**{when(cs.held_at)}** · focus: {md(criterion_names(cs.focus_criteria))}  \n{md(cs.notes)}")
        if cs.action_items:
            st.caption(f"{len(cs.action_items)} action item(s): tick them under My action items below.")
        if st.button("Acknowledge", key=f"ack_{cs.id}"):
            with plain_errors():
                coaching.acknowledge_coaching(ctx.sessions, user.id, cs.id)
                done("Acknowledged: your coach can see that you have read it.")
    render_my_coaching(ctx, user)
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
    with plain_errors(), upload_folder("qa-coach-practice-") as tmp:
        path = save_upload(tmp, upload.name, upload.getvalue())
        try:
            with st.spinner("Scoring ..."):
                cards = practice.score_practice_file(ctx.sessions, user.id, path, versions[-1].id, signals=signals())
        except QACoachError as exc:  # it names the file: as uploaded, not where the server keeps it
            st.error(md(without_folder(exc, tmp)))
            return
        for card in cards:
            st.metric("Practice score (not stored)", pct(card.score))
            st.dataframe(pd.DataFrame([{"Criterion": r.name, "Answer": r.answer_label,
                                        "Points": "N/A" if r.na else f"{r.points:g} / {r.max_points:g}",
                                        "Why": r.na_reason if r.na else r.rationale} for r in card.results]),
                         hide_index=True, key=f"practice_{card.interaction_id}")
