"""Finding interactions: search, filters, sort order and pages, all answered by the database.

Only one page of rows is read (LIMIT/OFFSET) and the count stops at ``COUNT_CAP``, so a page
costs about the same on a hundred interactions as on a hundred thousand. Everyone may search;
each sees only the interactions they may open (a representative their own, a reviewer or coach
their teams', an admin all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from qa_coach.domain.statuses import DisputeStatus
from qa_coach.storage import repositories as repo
from qa_coach.storage.codec import as_utc
from qa_coach.storage.models import (
    AutoScorecard,
    CriterionScore,
    Dispute,
    InteractionRow,
    Representative,
    Review,
    RubricVersion,
    Team,
)

from .access import Actor, Sessions, rep_scope, require_rep, unit_of_work
from .errors import NotFoundError, PermissionDeniedError, ValidationError

COUNT_CAP = 10_000  # matches are counted up to here; beyond it the page says "more than"
PAGE_SIZES = (25, 50, 100)


class SortOrder(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    LOWEST_SCORE = "lowest score"
    HIGHEST_SCORE = "highest score"
    LEAST_CONFIDENT = "least confident"


class DisputeFilter(StrEnum):
    ANY = "any"
    OPEN = "open"  # has a dispute waiting for a decision
    EVER = "ever"  # has had a dispute, decided or not
    NEVER = "never"


@dataclass(frozen=True)
class InteractionFilters:
    text: str = ""  # part of the ticket id, the customer or the representative's name; or an interaction number
    team_id: int | None = None
    representative_id: int | None = None
    channel: str | None = None
    since: datetime | None = None  # occurred at or after
    until: datetime | None = None  # occurred before
    min_score: float | None = None  # the current automatic score, 0-100
    max_score: float | None = None
    failed_criterion: str | None = None  # a criterion id (pages offer it by name: criterion_choices)
    reviewed: bool | None = None
    disputed: DisputeFilter = DisputeFilter.ANY
    sort: SortOrder = SortOrder.NEWEST


@dataclass(frozen=True)
class InteractionListRow:
    id: int
    external_id: str
    occurred_at: datetime
    representative: str
    team: str
    channel: str
    score: float | None  # current automatic score
    human_score: float | None
    min_confidence: float | None
    failed: tuple[str, ...]  # names of the criteria that earned no points
    open_disputes: int


@dataclass(frozen=True)
class InteractionPage:
    rows: tuple[InteractionListRow, ...]
    offset: int
    total: int  # matching interactions, counted up to COUNT_CAP
    total_capped: bool  # more than COUNT_CAP match

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.rows) < self.total or (self.total_capped and bool(self.rows))


@dataclass(frozen=True)
class CriterionChoice:
    criterion_id: str
    label: str  # the criterion's name (with its rubric's name where two criteria share a name)


def criterion_choices(sessions: Sessions, user_id: int) -> tuple[CriterionChoice, ...]:
    """The criteria of the stored rubrics, by name, for a "failed criterion" filter.

    A criterion kept across rubric versions appears once, under its newest name.
    """
    with unit_of_work(sessions, user_id) as (s, _actor):
        names: dict[str, tuple[str, str]] = {}  # criterion id -> (name, rubric name), newest version last
        for row in s.scalars(select(RubricVersion).order_by(RubricVersion.id)):
            rubric = repo.rubric_of(row)
            for section in rubric.sections:
                for crit in section.criteria:
                    names[crit.id] = (crit.name, rubric.name)
    shared = {n for n, _ in names.values() if sum(1 for m, _ in names.values() if m == n) > 1}
    choices = [CriterionChoice(cid, f"{name} ({rubric})" if name in shared else name)
               for cid, (name, rubric) in names.items()]
    return tuple(sorted(choices, key=lambda c: (c.label.casefold(), c.criterion_id)))


def search_interactions(sessions: Sessions, user_id: int, filters: InteractionFilters = InteractionFilters(), *,
                        offset: int = 0, limit: int = PAGE_SIZES[0]) -> InteractionPage:
    """One page of the interactions the user may see that match ``filters``, in their sort order."""
    if offset < 0 or not 1 <= limit <= 500:
        raise ValidationError(f"a page starts at 0 or later and holds 1 to 500 rows (asked: from {offset}, {limit})")
    if (filters.min_score is not None and filters.max_score is not None and filters.min_score > filters.max_score):
        raise ValidationError(f"the lowest score ({filters.min_score:g}) is above the highest ({filters.max_score:g})")
    with unit_of_work(sessions, user_id) as (s, actor):
        _check_scope(s, actor, filters)
        q = _matching(actor, filters)
        total = s.scalar(select(func.count()).select_from(q.limit(COUNT_CAP + 1).subquery()))
        card_ids = list(s.scalars(q.order_by(*_order(filters.sort)).offset(offset).limit(limit)))
        rows = _rows(s, card_ids)
    return InteractionPage(rows, offset, min(total, COUNT_CAP), total > COUNT_CAP)


def _check_scope(s: Session, actor: Actor, f: InteractionFilters) -> None:
    if f.team_id is not None:
        team = s.get(Team, f.team_id)
        if team is None:
            raise NotFoundError(f"team {f.team_id} not found")
        if not actor.is_admin and f.team_id not in actor.team_ids:
            raise PermissionDeniedError(f"{actor.name} ({actor.role}) may not see team {team.name!r}")
    if f.representative_id is not None:
        require_rep(s, actor, f.representative_id, action="see this representative's interactions")


_CARD = AutoScorecard  # the current scorecard carries the interaction's representative, time and scores


def _matching(actor: Actor, f: InteractionFilters) -> Select:
    """The current scorecards (one per interaction) the actor may see that match ``f``.

    Each filter is a condition on the scorecard row or a lookup in a small or indexed
    table, so the database reads the scorecards in the order asked for (an index each)
    and stops after one page.
    """
    q = select(_CARD.id).where(_CARD.is_current.is_(True), rep_scope(actor, _CARD.representative_id))
    text = f.text.strip()
    if text:
        named = select(Representative.id).where(_contains(Representative.name, text))
        found = select(InteractionRow.id).where(or_(_contains(InteractionRow.external_id, text),
                                                    _contains(InteractionRow.customer_key, text)))
        by_number = [_CARD.interaction_id == int(text)] if text.isdigit() and len(text) < 10 else []
        q = q.where(or_(_CARD.representative_id.in_(named), _CARD.interaction_id.in_(found), *by_number))
    if f.team_id is not None:
        q = q.where(_CARD.representative_id.in_(select(Representative.id).where(Representative.team_id == f.team_id)))
    if f.representative_id is not None:
        q = q.where(_CARD.representative_id == f.representative_id)
    if f.channel:
        q = q.where(_CARD.interaction_id.in_(select(InteractionRow.id).where(InteractionRow.channel == f.channel)))
    if f.since is not None:
        q = q.where(_CARD.occurred_at >= as_utc(f.since))
    if f.until is not None:
        q = q.where(_CARD.occurred_at < as_utc(f.until))
    if f.min_score is not None:
        q = q.where(_CARD.score >= f.min_score)
    if f.max_score is not None:
        q = q.where(_CARD.score <= f.max_score)
    if f.failed_criterion:
        q = q.where(_CARD.id.in_(select(CriterionScore.scorecard_id).where(
            CriterionScore.criterion_id == f.failed_criterion, CriterionScore.na.is_(False),
            CriterionScore.points <= 0)))
    if f.reviewed is not None:
        reviewed = _CARD.interaction_id.in_(select(Review.interaction_id))
        q = q.where(reviewed if f.reviewed else ~reviewed)
    if f.disputed != DisputeFilter.ANY:
        disputed = select(Dispute.interaction_id)
        if f.disputed == DisputeFilter.OPEN:
            q = q.where(_CARD.interaction_id.in_(disputed.where(Dispute.status == DisputeStatus.OPEN)))
        elif f.disputed == DisputeFilter.EVER:
            q = q.where(_CARD.interaction_id.in_(disputed))
        else:
            q = q.where(_CARD.interaction_id.not_in(disputed))
    return q


def _contains(column, text: str) -> ColumnElement[bool]:
    """``column`` holds ``text``, in any case; ``%`` and ``_`` are searched as typed. (lower() on
    both sides and LIKE: the same answer on SQLite and PostgreSQL, and on PostgreSQL about twice
    as fast as ILIKE.)"""
    pattern = "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return func.lower(column).like(func.lower(pattern), escape="/")


def _order(sort: SortOrder) -> tuple:
    newest = (_CARD.occurred_at.desc(), _CARD.id.desc())
    return {
        SortOrder.NEWEST: newest,
        SortOrder.OLDEST: (_CARD.occurred_at, _CARD.id),
        SortOrder.LOWEST_SCORE: (_CARD.score.asc().nulls_last(), *newest),
        SortOrder.HIGHEST_SCORE: (_CARD.score.desc().nulls_last(), *newest),
        SortOrder.LEAST_CONFIDENT: (_CARD.min_confidence, *newest),
    }[SortOrder(sort)]


def _rows(s: Session, card_ids: list[int]) -> tuple[InteractionListRow, ...]:
    """The page's rows, in the order of ``card_ids``."""
    if not card_ids:
        return ()
    found = {r[0]: r for r in s.execute(
        select(_CARD.id, InteractionRow.id, InteractionRow.external_id, InteractionRow.occurred_at,
               Representative.name, Team.name, InteractionRow.channel, _CARD.score, Review.score,
               _CARD.min_confidence)
        .join(InteractionRow, InteractionRow.id == _CARD.interaction_id)
        .join(Representative, Representative.id == InteractionRow.representative_id)
        .join(Team, Team.id == Representative.team_id)
        .outerjoin(Review, Review.interaction_id == InteractionRow.id)
        .where(_CARD.id.in_(card_ids)))}
    failed = _failed_names(s, card_ids)
    disputes = _open_disputes(s, [found[c][1] for c in card_ids])
    return tuple(
        InteractionListRow(iid, ext, as_utc(at), rep, team, channel, score, human,
                           None if conf is None else float(conf), failed.get(card_id, ()), disputes.get(iid, 0))
        for card_id, iid, ext, at, rep, team, channel, score, human, conf in (found[c] for c in card_ids)
    )


def _failed_names(s: Session, card_ids: list[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    if card_ids:
        for card_id, name in s.execute(
                select(CriterionScore.scorecard_id, CriterionScore.name)
                .where(CriterionScore.scorecard_id.in_(card_ids), CriterionScore.na.is_(False),
                       CriterionScore.points <= 0).order_by(CriterionScore.scorecard_id, CriterionScore.position)):
            out.setdefault(card_id, []).append(name)
    return {k: tuple(v) for k, v in out.items()}


def _open_disputes(s: Session, interaction_ids: list[int]) -> dict[int, int]:
    if not interaction_ids:
        return {}
    return dict(s.execute(
        select(Dispute.interaction_id, func.count()).where(Dispute.interaction_id.in_(interaction_ids),
                                                           Dispute.status == DisputeStatus.OPEN)
        .group_by(Dispute.interaction_id)).all())
