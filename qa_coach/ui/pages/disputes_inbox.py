"""Disputes inbox: the open disputes of the reviewer's teams, the longest waiting first."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import streamlit as st

from qa_coach.services import dispute_inbox
from qa_coach.ui.components import when
from qa_coach.ui.context import context, current_user
from qa_coach.ui.interaction_table import interaction_table
from qa_coach.ui.pager import page_offset, pager

PAGE_SIZE = 50


def render() -> None:
    ctx, user = context(), current_user()
    offset = page_offset("disputes", None, PAGE_SIZE)
    inbox = dispute_inbox.open_disputes(ctx.sessions, user.id, offset=offset, limit=PAGE_SIZE)
    if not inbox.total:
        st.info("No open disputes: every dispute on your teams' interactions has been decided.")
        return
    pager("disputes", offset=offset, shown=len(inbox.rows), total=inbox.total, more=False, noun="open disputes",
          has_next=offset + len(inbox.rows) < inbox.total)
    now = datetime.now(timezone.utc)
    interaction_table(pd.DataFrame([{
        "Raised": when(d.raised_at), "Waiting": _waiting(now - d.raised_at), "Representative": d.representative,
        "Team": d.team, "Criterion": d.criterion, "Reason": d.reason, "Raised by": d.raised_by,
        "Interaction of": when(d.occurred_at), "Ticket": d.external_id} for d in inbox.rows]),
        [d.interaction_id for d in inbox.rows], key="disputes_table")


def _waiting(age) -> str:
    days = age.days
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    hours = age.seconds // 3600
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else "under an hour"
