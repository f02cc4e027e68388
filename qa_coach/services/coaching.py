"""Coaching sessions: focus criteria, linked interactions, action items, acknowledgement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from qa_coach.domain.people import UserRole
from qa_coach.storage.codec import as_utc
from qa_coach.storage.models import (
    ActionItem,
    CoachingInteraction,
    CoachingSession,
    InteractionRow,
    utcnow,
)

from .access import Sessions, audit, rep_scope, require_rep, require_role, unit_of_work
from .errors import NotFoundError, PermissionDeniedError, ValidationError
from .queries import get_interaction
from .records import ActionItemRecord, CoachingRecord, InteractionDetail


@dataclass(frozen=True)
class NewActionItem:
    text: str
    due_on: date | None = None


def _record(s, cs: CoachingSession) -> CoachingRecord:
    links = tuple(s.scalars(select(CoachingInteraction.interaction_id).where(CoachingInteraction.session_id == cs.id)
                            .order_by(CoachingInteraction.interaction_id)))
    items = tuple(
        ActionItemRecord(a.id, a.text, a.due_on, a.done_at is not None)
        for a in s.scalars(select(ActionItem).where(ActionItem.session_id == cs.id).order_by(ActionItem.id))
    )
    return CoachingRecord(cs.id, cs.representative_id, cs.coach_id, as_utc(cs.held_at), tuple(cs.focus_criteria),
                          cs.notes, cs.follow_up_on, cs.acknowledged_at is not None, links, items)


def create_coaching_session(
    sessions: Sessions, user_id: int, representative_id: int, *, held_at: datetime | None = None,
    focus_criteria: tuple[str, ...] = (), notes: str = "", interaction_ids: tuple[int, ...] = (),
    action_items: tuple[NewActionItem, ...] = (), follow_up_on: date | None = None,
) -> CoachingRecord:
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.COACH, action="hold coaching sessions")
        require_rep(s, actor, representative_id, action="coach this representative")
        for iid in interaction_ids:
            row = s.get(InteractionRow, iid)
            if row is None:
                raise NotFoundError(f"interaction {iid} not found")
            if row.representative_id != representative_id:
                raise ValidationError(f"interaction {iid} belongs to another representative")
        cs = CoachingSession(representative_id=representative_id, coach_id=actor.user_id,
                             held_at=as_utc(held_at) or utcnow(), focus_criteria=list(focus_criteria), notes=notes,
                             follow_up_on=follow_up_on)
        s.add(cs)
        s.flush()
        for iid in interaction_ids:
            s.add(CoachingInteraction(session_id=cs.id, interaction_id=iid))
        for item in action_items:
            s.add(ActionItem(session_id=cs.id, text=item.text, due_on=item.due_on))
        s.flush()
        audit(s, actor, "create", "coaching_session", cs.id, representative=representative_id,
              focus=list(focus_criteria), interactions=list(interaction_ids))
        return _record(s, cs)


def _visible_session(s, actor, session_id: int) -> CoachingSession:
    cs = s.get(CoachingSession, session_id)
    if cs is None:
        raise NotFoundError(f"coaching session {session_id} not found")
    require_rep(s, actor, cs.representative_id, action="see this coaching session")
    return cs


def acknowledge_coaching(sessions: Sessions, user_id: int, session_id: int) -> CoachingRecord:
    """The representative confirms they have read the feedback (only they can)."""
    with unit_of_work(sessions, user_id) as (s, actor):
        cs = _visible_session(s, actor, session_id)
        if actor.representative_id != cs.representative_id:
            raise PermissionDeniedError("only the coached representative can acknowledge a coaching session")
        cs.acknowledged_at = cs.acknowledged_at or utcnow()
        audit(s, actor, "acknowledge", "coaching_session", cs.id)
        return _record(s, cs)


def complete_action_item(sessions: Sessions, user_id: int, item_id: int, done: bool = True) -> ActionItemRecord:
    """Tick (or untick) an action item: the coached representative ticks their own items only;
    a coach or an admin who may see that representative may tick any of theirs."""
    with unit_of_work(sessions, user_id) as (s, actor):
        item = s.get(ActionItem, item_id)
        if item is None:
            raise NotFoundError(f"action item {item_id} not found")
        cs = _visible_session(s, actor, item.session_id)
        if actor.role not in (UserRole.ADMIN, UserRole.COACH) and actor.representative_id != cs.representative_id:
            raise PermissionDeniedError(f"{actor.name} ({actor.role}) may not change action items")
        item.done_at = utcnow() if done else None
        audit(s, actor, "complete" if done else "reopen", "action_item", item.id)
        return ActionItemRecord(item.id, item.text, item.due_on, item.done_at is not None)


def update_coaching_notes(sessions: Sessions, user_id: int, session_id: int, *, notes: str,
                          follow_up_on: date | None = None) -> CoachingRecord:
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, UserRole.COACH, action="edit coaching sessions")
        cs = _visible_session(s, actor, session_id)
        before = cs.notes
        cs.notes = notes
        if follow_up_on is not None:
            cs.follow_up_on = follow_up_on
        audit(s, actor, "update", "coaching_session", cs.id, before=before, after=notes)
        return _record(s, cs)


def list_coaching_sessions(sessions: Sessions, user_id: int, representative_id: int | None = None) -> list[CoachingRecord]:
    with unit_of_work(sessions, user_id) as (s, actor):
        q = select(CoachingSession).where(rep_scope(actor, CoachingSession.representative_id))
        if representative_id is not None:
            require_rep(s, actor, representative_id, action="see this representative's coaching")
            q = q.where(CoachingSession.representative_id == representative_id)
        return [_record(s, cs) for cs in s.scalars(q.order_by(CoachingSession.held_at))]


def coaching_example(sessions: Sessions, user_id: int, session_id: int, interaction_id: int) -> InteractionDetail:
    """An example call the coach linked to a coaching session, to read: the conversation, its
    scorecards and review (nothing can be changed through this).

    Who may open it: whoever may see the session, that is the coached representative and the
    staff who may see that representative; any other representative is refused. An example is
    always one of the coached representative's own calls (:func:`create_coaching_session`
    refuses another representative's), so coaching never shows a representative another
    representative's customers. The link itself is checked too: an interaction that is not an
    example of this session is refused here, whoever asks."""
    with unit_of_work(sessions, user_id) as (s, actor):
        _visible_session(s, actor, session_id)
        linked = s.scalar(select(CoachingInteraction.interaction_id).where(
            CoachingInteraction.session_id == session_id, CoachingInteraction.interaction_id == interaction_id))
        if linked is None:
            raise NotFoundError(f"interaction {interaction_id} is not an example of coaching session {session_id}")
    return get_interaction(sessions, user_id, interaction_id)
