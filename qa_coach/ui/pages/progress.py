"""Representative progress: trend against the team and the new-hire cohort, criteria, coaching."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from qa_coach.domain.people import UserRole
from qa_coach.services import analytics, coaching, directory
from qa_coach.ui.components import md, pct, when
from qa_coach.ui.context import context, current_user


def pick_rep(key: str):
    ctx, user = context(), current_user()
    reps = directory.list_representatives(ctx.sessions, user.id)
    if not reps:
        st.info("No representatives you may see.")
        return None
    if user.role == UserRole.REPRESENTATIVE:
        return next((r for r in reps if r.id == user.representative_id), None)
    return st.selectbox("Representative", reps, format_func=lambda r: r.name, key=key)


def render() -> None:
    ctx, user = context(), current_user()
    rep = pick_rep("progress_rep")
    if rep is None:
        return
    weeks = st.slider("Weeks", 4, 52, 12, key="progress_weeks")
    p = analytics.rep_progress(ctx.sessions, user.id, rep.id, weeks=weeks)
    st.subheader(md(rep.name))
    latest = p.weeks[-1].mean if p.weeks else None
    c = st.columns(3)
    c[0].metric("Latest week", pct(latest))
    c[1].metric("Team, latest week", pct(p.team_weeks[-1].mean if p.team_weeks else None),
                help=None if p.team_weeks else analytics.TOO_FEW_PEOPLE)
    ch = p.score_change_since_coaching
    c[2].metric("Change since last coaching", "–" if ch is None or ch.delta is None else f"{ch.delta:+.1f} points",
                help=None if p.last_coaching_at is None else f"last session {when(p.last_coaching_at)}")
    if p.weeks:
        rows = [{"week": w.week, "score": w.mean, "series": rep.name} for w in p.weeks]
        rows += [{"week": w.week, "score": w.mean, "series": "Team"} for w in p.team_weeks]
        st.altair_chart(alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
            x=alt.X("week:T", title="Week"), y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 100]), title="QA score"),
            color="series:N"), width="stretch")
    else:
        st.info(f"No scored interactions for {md(rep.name)} in the last {weeks} weeks.")
    shown = {w.week for w in p.team_weeks}
    if not shown or any(w.week not in shown for w in p.weeks):
        st.caption(f"Team, where no point is shown: {analytics.TOO_FEW_PEOPLE}")
    if p.criteria:
        st.subheader("Per criterion")
        crit = [{"week": w.week, "criterion": p.criterion_names.get(cid, cid), "share": round(100 * w.mean)}
                for cid, pts in p.criteria.items() for w in pts]
        st.altair_chart(alt.Chart(pd.DataFrame(crit)).mark_line(point=True).encode(
            x=alt.X("week:T", title="Week"), y=alt.Y("share:Q", title="% of points", scale=alt.Scale(domain=[0, 100])),
            color="criterion:N"), width="stretch")
    if p.cohort:
        st.subheader("Beside other new hires (by week since hire)")
        rows = [{"week since hire": c.week_since_hire, "score": v, "series": s} for c in p.cohort
                for s, v in ((rep.name, c.rep_mean), ("New-hire cohort", c.cohort_mean)) if v is not None]
        if rows:
            st.altair_chart(alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
                x="week since hire:Q", y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 100])), color="series:N"),
                width="stretch")
        if all(c.cohort_mean is None for c in p.cohort):
            st.caption(f"New-hire cohort: {analytics.TOO_FEW_PEOPLE}")
    c = st.columns(2)
    c[0].markdown("**Strongest**  \n" + "  \n".join(
        f"{md(p.criterion_names.get(s.criterion_id, s.criterion_id))}: {s.mean:.0%}" for s in p.strongest) or "–")
    c[1].markdown("**Weakest**  \n" + "  \n".join(
        f"{md(p.criterion_names.get(s.criterion_id, s.criterion_id))}: {s.mean:.0%}" for s in p.weakest) or "–")
    st.subheader("Coaching history")
    history = coaching.list_coaching_sessions(ctx.sessions, user.id, rep.id)
    if not history:
        st.write("No coaching sessions yet.")
    for cs in history:
        change = p.criterion_change_since_coaching
        st.markdown(f"**{when(cs.held_at)}** · focus: {md(', '.join(cs.focus_criteria)) or '–'} · "
                    f"{'acknowledged' if cs.acknowledged else 'not acknowledged yet'}  \n{md(cs.notes)}")
        if cs.held_at == p.last_coaching_at and change:
            st.caption("Since this session: " + ", ".join(
                f"{md(p.criterion_names.get(k, k))} {v.delta * 100:+.0f}" for k, v in change.items()
                if v.delta is not None))
