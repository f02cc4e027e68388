"""Calibration: blind scoring by several reviewers, then the comparison."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qa_coach.domain.people import UserRole
from qa_coach.domain.scorecard import BuiltInAnswer
from qa_coach.services import calibration, dashboard
from qa_coach.ui.components import interaction_link, md, pct, plain_errors
from qa_coach.ui.context import context, current_user
from qa_coach.ui.flash import done

_PICK_KEY = "cal_pick"  # the session to select on the next run (one just started)


def render() -> None:
    ctx, user = context(), current_user()
    sessions = dashboard.list_calibrations(ctx.sessions, user.id)
    if user.role in (UserRole.ADMIN, UserRole.REVIEWER):
        with st.expander("Start a calibration session"):
            with st.form("calibration_new"):
                iid = st.number_input("Interaction id", min_value=1, step=1, key="cal_new_interaction")
                title = st.text_input("Title", key="cal_new_title")
                if st.form_submit_button("Start"):
                    with plain_errors():
                        rec = calibration.create_calibration(ctx.sessions, user.id, int(iid), title=title)
                        st.session_state[_PICK_KEY] = rec.id
                        done(f"Calibration session {rec.id} started: {md(title.strip() or 'untitled')}.",
                             clear=("cal_new_interaction", "cal_new_title", "cal_session"))
    if not sessions:
        st.info("No calibration sessions yet.")
        return
    by_id = {c.id: c for c in sessions}  # chosen by id: the same session after its record changes
    ids, pick = list(by_id), st.session_state.pop(_PICK_KEY, None)
    chosen = by_id[st.selectbox("Session", ids, index=ids.index(pick) if pick in by_id else 0, key="cal_session",
                                format_func=lambda i: _session_label(by_id[i]))]
    interaction_link(chosen.interaction_id)
    record = calibration.get_calibration(ctx.sessions, user.id, chosen.id)
    rubric = dashboard.get_rubric(ctx.sessions, user.id, record.rubric_version_id)
    if not chosen.submitted_by_me and not chosen.closed:
        st.subheader("Your blind score")
        with st.form("calibration_form"):
            for crit in rubric.criteria:
                opts = [BuiltInAnswer.NA, *[o.key for o in crit.options]]
                labels = {BuiltInAnswer.NA: "N/A", **{o.key: o.label for o in crit.options}}
                st.selectbox(md(crit.name), opts, index=1, format_func=labels.get, key=f"cal_{crit.id}")
            if st.form_submit_button("Submit my score"):
                chosen_answers = {c.id: st.session_state[f"cal_{c.id}"] for c in rubric.criteria}
                answers = {cid: (None if a == BuiltInAnswer.NA else a) for cid, a in chosen_answers.items()}
                with plain_errors():
                    calibration.submit_calibration(ctx.sessions, user.id, chosen.id, answers)
                    done("Score submitted: the others' scores are now visible.")
        if not record.scores:
            st.caption("The others' scores stay hidden until you submit yours.")
    if record.scores:
        st.subheader("Comparison")
        st.dataframe(pd.DataFrame([{"Reviewer": s.reviewer_name or f"user {s.reviewer_id}", "Score": pct(s.score),
                                    **{_name(rubric, cid): _label(rubric, cid, a) for cid, a in s.answers.items()}}
                                   for s in record.scores]), hide_index=True, key="cal_scores")
        if not chosen.closed:
            st.info("The comparison (alignment, spread) shows once the session is closed.")
            return _close_button(ctx, user, chosen)
        summary = calibration.calibration_results(ctx.sessions, user.id, chosen.id)
        c = st.columns(3)
        c[0].metric("Alignment", "–" if summary.alignment is None else f"{summary.alignment:.0%}")
        c[1].metric("Within ±10 points", "–" if summary.share_within_10 is None else f"{summary.share_within_10:.0%}")
        c[2].metric("Reviewers", f"{summary.reviewers}")
        st.dataframe(pd.DataFrame([{"Criterion": _name(rubric, k), "Alignment": f"{v:.0%}"}
                                   for k, v in summary.alignment_by_criterion.items()]), hide_index=True,
                     key="cal_alignment")
    _close_button(ctx, user, chosen)


def _session_label(c) -> str:
    return (f"{c.id}: {c.title or 'untitled'} (interaction {c.interaction_id})"
            f"{' · closed' if c.closed else ''}{' · you scored' if c.submitted_by_me else ''}")


def _name(rubric, criterion_id: str) -> str:
    return next((c.name for c in rubric.criteria if c.id == criterion_id), criterion_id)


def _label(rubric, criterion_id: str, answer: str | None) -> str:
    """An answer as the rubric names it; no answer is N/A."""
    if answer is None or answer == BuiltInAnswer.NA:
        return "N/A"
    crit = next((c for c in rubric.criteria if c.id == criterion_id), None)
    return next((o.label for o in crit.options if o.key == answer), answer) if crit else answer


def _close_button(ctx, user, chosen) -> None:
    may_close = user.role in (UserRole.ADMIN, UserRole.REVIEWER) and not chosen.closed
    if may_close and st.button("Close the session", key="cal_close"):
        with plain_errors():
            calibration.close_calibration(ctx.sessions, user.id, chosen.id)
            st.rerun()
