"""Interactions: search, filter, sort and page through the interactions the user may see."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
import streamlit as st

from qa_coach.domain.interaction import Channel
from qa_coach.domain.people import UserRole
from qa_coach.services import directory, interaction_search
from qa_coach.services.interaction_search import DisputeFilter, InteractionFilters, SortOrder
from qa_coach.ui.components import pct, when
from qa_coach.ui.context import context, current_user
from qa_coach.ui.interaction_table import interaction_table
from qa_coach.ui.pager import page_offset, pager

SORTS = {SortOrder.NEWEST: "Newest first", SortOrder.OLDEST: "Oldest first",
         SortOrder.LOWEST_SCORE: "Lowest score first", SortOrder.HIGHEST_SCORE: "Highest score first",
         SortOrder.LEAST_CONFIDENT: "Least sure automatic score first"}
REVIEWED = {None: "Reviewed or not", True: "Reviewed", False: "Not reviewed"}
DISPUTED = {DisputeFilter.ANY: "Disputed or not", DisputeFilter.OPEN: "Open dispute",
            DisputeFilter.EVER: "Ever disputed", DisputeFilter.NEVER: "Never disputed"}


def render() -> None:
    ctx, user = context(), current_user()
    filters = _filters(ctx, user)
    if filters is None:
        return
    size = st.session_state.get("ix_page_size", interaction_search.PAGE_SIZES[0])
    offset = page_offset("ix", filters, size)
    page = interaction_search.search_interactions(ctx.sessions, user.id, filters, offset=offset, limit=size)
    pager("ix", offset=offset, shown=len(page.rows), total=page.total, more=page.total_capped,
          noun="interactions", has_next=page.has_next)
    if page.rows:
        interaction_table(pd.DataFrame([{
            "When": when(r.occurred_at), "Representative": r.representative, "Team": r.team,
            "Channel": r.channel, "Score": pct(r.score), "Reviewed score": pct(r.human_score),
            "Failed": ", ".join(r.failed), "Open disputes": str(r.open_disputes or ""), "Ticket": r.external_id,
            "Id": r.id} for r in page.rows]), [r.id for r in page.rows], key="ix_table")
    st.selectbox("Rows per page", interaction_search.PAGE_SIZES, key="ix_page_size")


def _filters(ctx, user) -> InteractionFilters | None:
    c = st.columns([3, 1])
    text = c[0].text_input("Search", key="ix_search", placeholder="Ticket id, customer or representative name")
    sort = c[1].selectbox("Sort", list(SORTS), format_func=SORTS.get, key="ix_sort")
    team = rep = None
    if user.role != UserRole.REPRESENTATIVE:
        c = st.columns(3)
        teams = directory.list_teams(ctx.sessions, user.id)
        team = c[0].selectbox("Team", [None, *teams], format_func=lambda t: "All teams" if t is None else t.name,
                              key="ix_team")
        reps = directory.list_representatives(ctx.sessions, user.id, team.id if team else None)
        rep = c[1].selectbox("Representative", [None, *reps],
                             format_func=lambda r: "Everyone" if r is None else r.name, key="ix_rep")
        channel_column = c[2]
    else:
        channel_column = st.columns(3)[0]
    channel = channel_column.selectbox("Channel", [None, *(ch.value for ch in Channel)],
                                       format_func=lambda ch: "All channels" if ch is None else ch.title(),
                                       key="ix_channel")
    c = st.columns(3)
    start = c[0].date_input("From", value=None, key="ix_from")
    end = c[1].date_input("To", value=None, key="ix_to")
    low, high = c[2].slider("Automatic score", 0, 100, (0, 100), key="ix_score")
    c = st.columns(3)
    choices = interaction_search.criterion_choices(ctx.sessions, user.id)
    failed = c[0].selectbox("Failed criterion", [None, *choices], key="ix_failed",
                            format_func=lambda ch: "Any or none" if ch is None else ch.label)
    reviewed = c[1].selectbox("Reviewed", list(REVIEWED), format_func=REVIEWED.get, key="ix_reviewed")
    disputed = c[2].selectbox("Disputes", list(DISPUTED), format_func=DISPUTED.get, key="ix_disputed")
    if start and end and start > end:
        st.warning("The “From” date is after the “To” date: choose a From date on or before the To date.")
        return None
    return InteractionFilters(
        text=text.strip(), team_id=team.id if team else None, representative_id=rep.id if rep else None,
        channel=channel, since=_day_start(start), until=_day_start(end + timedelta(days=1)) if end else None,
        min_score=float(low) if low > 0 else None, max_score=float(high) if high < 100 else None,
        failed_criterion=failed.criterion_id if failed else None, reviewed=reviewed, disputed=disputed, sort=sort)


def _day_start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=timezone.utc)
