"""Team overview: QA trend, criteria × representative heat map, low scores, agreement, KPIs."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import altair as alt
import pandas as pd
import streamlit as st

from qa_coach.services import analytics, dashboard, directory
from qa_coach.ui.components import interaction_link, md, pct, when
from qa_coach.ui.context import context, current_user


def _database_key(sessions) -> str:
    bind = sessions.kw.get("bind")
    return str(getattr(bind, "url", id(sessions)))


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def _kpis(_sessions, database: str, user_id: int, team_id: int, since_day: date, scored: int) -> analytics.KpiReport:
    """Contact KPIs change slowly: read at most every five minutes per user, team, start day
    and number of scored interactions."""
    since = datetime.combine(since_day, time.min, tzinfo=timezone.utc)
    return analytics.contact_kpis(_sessions, user_id, team_id=team_id, since=since)


def render() -> None:
    ctx, user = context(), current_user()
    teams = directory.list_teams(ctx.sessions, user.id)
    if not teams:
        st.info("No teams yet: an admin adds them on the Admin page.")
        return
    team = st.selectbox("Team", teams, format_func=lambda t: t.name, key="overview_team")
    weeks = st.slider("Weeks", 4, 52, 12, key="overview_weeks")
    dash = dashboard.team_dashboard(ctx.sessions, user.id, team.id, weeks=weeks)
    scored = sum(p.n for p in dash.trend)  # a new import changes it, so the cached KPIs are read again
    kpi = _kpis(ctx.sessions, _database_key(ctx.sessions), user.id, team.id, dash.since.date(), scored)
    c = st.columns(5)
    c[0].metric("QA score (automatic)", pct(kpi.mean_qa_score))
    c[1].metric("Contacts", f"{kpi.contacts}")
    c[2].metric("Avg handle time", "–" if kpi.average_handle_time is None else f"{kpi.average_handle_time / 60:.1f} min")
    fcr = kpi.first_contact_resolution.value
    c[3].metric("First-contact resolution", "–" if fcr is None else f"{fcr:.0%}")
    csat = kpi.csat.value
    c[4].metric("CSAT", "–" if csat is None else f"{csat:.0%}")

    st.subheader("QA score trend")
    if dash.trend:
        df = pd.DataFrame({"week": [p.week for p in dash.trend], "score": [p.mean for p in dash.trend],
                           "interactions": [p.n for p in dash.trend]})
        st.altair_chart(alt.Chart(df).mark_line(point=True).encode(
            x=alt.X("week:T", title="Week"), y=alt.Y("score:Q", title="Mean QA score", scale=alt.Scale(domain=[0, 100])),
            tooltip=["week:T", alt.Tooltip("score:Q", format=".1f"), "interactions:Q"]), width="stretch")
    else:
        st.info(f"No scored interactions for {md(team.name)} in the last {weeks} weeks.")

    st.subheader("Criteria × representative")
    if dash.heatmap:
        hm = pd.DataFrame([{"representative": h.representative, "criterion": h.criterion, "score": round(100 * h.mean),
                            "n": h.n} for h in dash.heatmap])
        base = alt.Chart(hm).encode(x=alt.X("criterion:N", title=None), y=alt.Y("representative:N", title=None))
        st.altair_chart(base.mark_rect().encode(
            color=alt.Color("score:Q", scale=alt.Scale(scheme="redyellowgreen", domain=[0, 100]), title="% of points"),
            tooltip=["representative", "criterion", "score", "n"]) + base.mark_text().encode(text="score:Q"),
            width="stretch")

    st.subheader("Representatives")
    rows = analytics.team_overview(ctx.sessions, user.id, team.id, since=dash.since)
    st.dataframe(pd.DataFrame([{"Representative": r.name, "Interactions": r.interactions,
                                "QA score": None if r.mean_score is None else round(r.mean_score, 1),
                                "Low confidence": r.low_confidence, "Reviewed": r.reviewed,
                                "Human score": None if r.mean_human_score is None else round(r.mean_human_score, 1)}
                               for r in rows]), hide_index=True, key="overview_reps")

    st.subheader("Recent low scores")
    if not dash.low_scores:
        st.write("No interaction scored below 60% in this period.")
    for r in dash.low_scores:
        st.markdown(f"**{pct(r.score)}** · {md(r.representative)} · {when(r.occurred_at)} · {md(r.external_id)}")
        interaction_link(r.interaction_id)

    st.subheader("Automatic vs human")
    ag = analytics.automatic_vs_human(ctx.sessions, user.id, team_id=team.id)
    if not ag.reviews:
        st.write("No human reviews yet.")
    else:
        st.write(f"{ag.reviews} reviewed interactions · mean absolute difference "
                 f"{'–' if ag.mean_absolute_error is None else f'{ag.mean_absolute_error:.1f} points'}")
        names = {h.criterion_id: h.criterion for h in dash.heatmap}
        st.dataframe(pd.DataFrame([{"Criterion": names.get(cid, cid), "Reviewed": a.n,
                                    "Same answer": f"{a.accuracy:.0%}",
                                    "Kappa": None if a.kappa is None else round(a.kappa, 2)}
                                   for cid, a in ag.by_criterion.items()]), hide_index=True, key="overview_agreement")
