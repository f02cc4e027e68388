"""Review queue: failed critical criteria, low scores, low-confidence and sampled interactions, with filters."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
import streamlit as st

from qa_coach.services import dashboard, directory, interaction_search
from qa_coach.ui.components import interaction_link, pct, when
from qa_coach.ui.context import context, current_user


def render() -> None:
    ctx, user = context(), current_user()
    teams = directory.list_teams(ctx.sessions, user.id)
    c = st.columns(3)
    team = c[0].selectbox("Team", [None, *teams], format_func=lambda t: "All teams" if t is None else t.name,
                          key="queue_team")
    reps = directory.list_representatives(ctx.sessions, user.id, team.id if team else None)
    rep = c[1].selectbox("Representative", [None, *reps], format_func=lambda r: "Everyone" if r is None else r.name,
                         key="queue_rep")
    today = date.today()
    span = c[2].date_input("Dates", (today - timedelta(days=28), today), key="queue_dates")
    c = st.columns(3)
    max_score = c[0].slider("Score at most", 0, 100, 100, key="queue_max_score")
    failed = c[1].selectbox("Failed criterion", [None, *interaction_search.criterion_choices(ctx.sessions, user.id)],
                            format_func=lambda ch: "Any or none" if ch is None else ch.label, key="queue_failed")
    per_rep = c[2].number_input("Random sample per representative", 0, 50, 3, key="queue_per_rep")
    start, end = (span if isinstance(span, tuple) and len(span) == 2 else (span[0], span[0]) if span else (today, today))
    rows = dashboard.review_queue(
        ctx.sessions, user.id, team_id=team.id if team else None, representative_id=rep.id if rep else None,
        since=datetime.combine(start, time.min, tzinfo=timezone.utc),
        until=datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc),
        max_score=None if max_score >= 100 else float(max_score),
        failed_criterion=failed.criterion_id if failed else None, per_rep=int(per_rep))
    st.write(f"{len(rows)} interaction{'s' if len(rows) != 1 else ''} to review")
    if not rows:
        return
    st.dataframe(pd.DataFrame([{
        "Id": r.interaction_id, "Representative": r.representative, "When": when(r.occurred_at), "Score": pct(r.score),
        "Confidence": round(r.min_confidence, 2),
        "Why": ", ".join(w for w, on in (("critical criterion failed", r.failed_critical), ("low score", r.low_score),
                                         ("low confidence", r.low_confidence), ("sampled", r.sampled)) if on),
        "Failed": ", ".join(r.failed)} for r in rows]), hide_index=True, key="queue_table")
    for r in rows[:30]:
        interaction_link(r.interaction_id, f"Review {r.interaction_id} · {r.representative} · {pct(r.score)}")
