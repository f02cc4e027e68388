"""Representative progress: trend against the team and the new-hire cohort, criteria, coaching."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from qa_coach.domain.people import UserRole
from qa_coach.services import analytics, coaching, directory
from qa_coach.ui import links
from qa_coach.ui.components import md, pct, when
from qa_coach.ui.context import context, current_user
from qa_coach.ui.downloads import download_buttons, representative_downloads, team_downloads


def pick_rep(key: str):
    ctx, user = context(), current_user()
    reps = directory.list_representatives(ctx.sessions, user.id)
    if not reps:
        st.info("No representatives you may see.")
        return None
    if user.role == UserRole.REPRESENTATIVE:
        return next((r for r in reps if r.id == user.representative_id), None)
    linked = links.representative_in_link()  # ?rep=ID: a link opens on that representative
    index = next((i for i, r in enumerate(reps) if r.id == linked), 0)
    return st.selectbox("Representative", reps, index=index, format_func=lambda r: r.name, key=key)


def _criterion_chart(p) -> None:
    """One criterion at a time (the weakest first), so no line hides another."""
    ids = list(p.criteria)
    weakest = next((s.criterion_id for s in p.weakest if s.criterion_id in p.criteria), ids[0])
    chosen = st.selectbox("Criterion", ids, index=ids.index(weakest), key="progress_criterion",
                          format_func=lambda c: p.criterion_names.get(c, c))
    name = p.criterion_names.get(chosen, chosen)
    crit = [{"week": w.week, "criterion": name, "share": round(100 * w.mean)} for w in p.criteria[chosen]]
    st.altair_chart(alt.Chart(pd.DataFrame(crit), title=name).mark_line(point=True).encode(
        x=alt.X("week:T", title="Week"), y=alt.Y("share:Q", title="% of points", scale=alt.Scale(domain=[0, 100]))),
        width="stretch")


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
        _criterion_chart(p)
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
        focus = ", ".join(p.criterion_names.get(c, c) for c in cs.focus_criteria)
        st.markdown(f"**{when(cs.held_at)}** · focus: {md(focus) or '–'} · "
                    f"{'acknowledged' if cs.acknowledged else 'not acknowledged yet'}  \n{md(cs.notes)}")
        if cs.held_at == p.last_coaching_at and change:
            st.caption("Since this session: " + ", ".join(
                f"{md(p.criterion_names.get(k, k))} {v.delta * 100:+.0f}" for k, v in change.items()
                if v.delta is not None))
    st.subheader("Downloads")
    download_buttons(representative_downloads(ctx.sessions, user, rep, weeks=weeks))
    download_buttons(team_downloads(ctx.sessions, user, rep.team_id))
