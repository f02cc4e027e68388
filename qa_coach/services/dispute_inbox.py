"""The disputes waiting for a reviewer: open disputes of the reviewer's teams, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from qa_coach.domain.people import UserRole
from qa_coach.domain.statuses import DisputeStatus
from qa_coach.storage.codec import as_utc
from qa_coach.storage.models import (
    AutoScorecard,
    CriterionScore,
    Dispute,
    InteractionRow,
    Representative,
    Team,
    User,
)

from .access import Sessions, rep_scope, require_role, unit_of_work
from .errors import ValidationError


@dataclass(frozen=True)
class OpenDispute:
    id: int
    interaction_id: int
    external_id: str
    representative: str
    team: str
    criterion: str  # the criterion's name on the current scorecard (its id if the scorecard lacks it)
    reason: str
    raised_by: str
    raised_at: datetime
    occurred_at: datetime


@dataclass(frozen=True)
class DisputeInbox:
    rows: tuple[OpenDispute, ...]
    offset: int
    total: int  # open disputes the user may decide


def open_disputes(sessions: Sessions, user_id: int, *, offset: int = 0, limit: int = 50) -> DisputeInbox:
    """One page of the open disputes on interactions the reviewer may see, the oldest first."""
    if offset < 0 or not 1 <= limit <= 500:
        raise ValidationError(f"a page starts at 0 or later and holds 1 to 500 rows (asked: from {offset}, {limit})")
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.REVIEWER, action="decide disputes")
        visible = (Dispute.status == DisputeStatus.OPEN, rep_scope(actor, InteractionRow.representative_id))
        total = s.scalar(select(func.count()).select_from(Dispute)
                         .join(InteractionRow, InteractionRow.id == Dispute.interaction_id).where(*visible))
        card = aliased(AutoScorecard)
        rows = s.execute(
            select(Dispute.id, Dispute.interaction_id, InteractionRow.external_id, Representative.name, Team.name,
                   Dispute.criterion_id, CriterionScore.name, Dispute.reason, User.name, Dispute.created_at,
                   InteractionRow.occurred_at)
            .join(InteractionRow, InteractionRow.id == Dispute.interaction_id)
            .join(Representative, Representative.id == InteractionRow.representative_id)
            .join(Team, Team.id == Representative.team_id)
            .join(User, User.id == Dispute.raised_by)
            .outerjoin(card, (card.interaction_id == Dispute.interaction_id) & card.is_current.is_(True))
            .outerjoin(CriterionScore, (CriterionScore.scorecard_id == card.id)
                       & (CriterionScore.criterion_id == Dispute.criterion_id))
            .where(*visible)
            .order_by(Dispute.created_at, Dispute.id).offset(offset).limit(limit)).all()
    return DisputeInbox(tuple(
        OpenDispute(did, iid, ext, rep, team, name or cid, reason, raiser, as_utc(raised), as_utc(at))
        for did, iid, ext, rep, team, cid, name, reason, raiser, raised, at in rows
    ), offset, int(total or 0))
