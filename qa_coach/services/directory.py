"""Teams, representatives and users (admins manage them)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qa_coach.domain.people import UserRole
from qa_coach.storage import repositories as repo
from qa_coach.storage.models import Representative, Team, User, UserTeam

from .access import Actor, Sessions, audit, rep_scope, require_rep, require_role, unit_of_work
from .account_email import account_email
from .errors import ConflictError, NotFoundError, ValidationError
from .records import RepresentativeRecord, TeamRecord, UserRecord


def team_record(t: Team) -> TeamRecord:
    return TeamRecord(t.id, t.name)


def rep_record(r: Representative) -> RepresentativeRecord:
    return RepresentativeRecord(r.id, r.name, r.email, r.team_id, r.hire_date)


def user_record(u: User) -> UserRecord:
    return UserRecord(u.id, u.name, u.email, u.role, u.representative_id)


# The command line's admin on an empty database: no person types it (a special-use name that
# account_email refuses), and the app's first-run screen gives this admin a real address.
LOCAL_ADMIN_EMAIL = "admin@localhost"


def bootstrap_admin(sessions: Sessions, name: str, email: str) -> UserRecord:
    """The first user of an empty database, an admin; refused once any user exists."""
    return _first_admin(sessions, name, account_email(email))


def _first_admin(sessions: Sessions, name: str, address: str) -> UserRecord:
    with sessions.begin() as s:
        if s.scalar(select(func.count()).select_from(User)):
            raise ConflictError("the database already has users: an admin must add new ones")
        user = User(name=name, email=address, role=UserRole.ADMIN)
        s.add(user)
        s.flush()
        audit(s, None, "bootstrap", "user", user.id, email=user.email)
        return user_record(user)


def local_admin(sessions: Sessions) -> UserRecord:
    """The admin the command line acts as: the first admin, created on an empty database."""
    with sessions.begin() as s:
        user = s.scalar(select(User).where(User.role == UserRole.ADMIN, User.active.is_(True)).order_by(User.id))
        if user is not None:
            return user_record(user)
    return _first_admin(sessions, "Local admin", LOCAL_ADMIN_EMAIL)


def create_team(sessions: Sessions, user_id: int, name: str) -> TeamRecord:
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="create teams")
        if s.scalar(select(Team).where(Team.name == name)) is not None:
            raise ConflictError(f"a team named {name!r} already exists")
        team = Team(name=name)
        s.add(team)
        s.flush()
        audit(s, actor, "create", "team", team.id, name=name)
        return team_record(team)


def create_representative(
    sessions: Sessions, user_id: int, *, name: str, team_id: int, email: str | None = None,
    hire_date: date | None = None,
) -> RepresentativeRecord:
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="add representatives")
        if s.get(Team, team_id) is None:
            raise NotFoundError(f"team {team_id} not found")
        email = email.strip().lower() if email else None
        if email and s.scalar(select(Representative).where(Representative.email == email)):
            raise ConflictError(f"a representative with email {email} already exists")
        rep = Representative(name=name, team_id=team_id, email=email, hire_date=hire_date)
        s.add(rep)
        s.flush()
        audit(s, actor, "create", "representative", rep.id, name=name, team_id=team_id)
        return rep_record(rep)


def create_user(
    sessions: Sessions, user_id: int, *, name: str, email: str, role: str,
    representative_id: int | None = None, team_ids: tuple[int, ...] = (),
) -> UserRecord:
    if not role:
        raise ValidationError("choose a role for the new user")
    if role not in tuple(UserRole):
        raise ValidationError(f"unknown role {role!r} (roles: {', '.join(UserRole)})")
    if role == UserRole.REPRESENTATIVE and representative_id is None:
        raise ValidationError("a representative user must be linked to a representative")
    with unit_of_work(sessions, user_id) as (s, actor):
        require_role(actor, UserRole.ADMIN, action="add users")
        if representative_id is not None and s.get(Representative, representative_id) is None:
            raise NotFoundError(f"representative {representative_id} not found")
        for t in team_ids:
            if s.get(Team, t) is None:
                raise NotFoundError(f"team {t} not found")
        user = User(name=name, email=account_email(email), role=role, representative_id=representative_id)
        s.add(user)
        try:
            s.flush()
        except IntegrityError:
            raise ConflictError(f"a user with email {email} (or for that representative) already exists") from None
        for t in team_ids:
            s.add(UserTeam(user_id=user.id, team_id=t))
        audit(s, actor, "create", "user", user.id, email=user.email, role=role, teams=list(team_ids))
        return user_record(user)


def list_representatives(sessions: Sessions, user_id: int, team_id: int | None = None) -> list[RepresentativeRecord]:
    with unit_of_work(sessions, user_id) as (s, actor):
        q = select(Representative).where(rep_scope(actor, Representative.id)).order_by(Representative.name)
        if team_id is not None:
            q = q.where(Representative.team_id == team_id)
        return [rep_record(r) for r in s.scalars(q)]


def list_teams(sessions: Sessions, user_id: int) -> list[TeamRecord]:
    with unit_of_work(sessions, user_id) as (s, actor):
        q = select(Team).order_by(Team.name)
        if not actor.is_admin:
            q = q.where(Team.id.in_(actor.team_ids))
        return [team_record(t) for t in s.scalars(q)]


def find_representative(sessions: Sessions, user_id: int, key: str | int) -> RepresentativeRecord:
    """The representative with this id, email or exact name (case-insensitive), when the
    acting user may see them: the one way every page and command finds a representative."""
    with unit_of_work(sessions, user_id) as (s, actor):
        return rep_record(visible_representative(s, actor, key))


def visible_representative(session: Session, actor: Actor, key: str | int,
                           action: str = "see this representative") -> Representative:
    """:func:`find_representative` inside a service's own transaction."""
    rep = repo.find_representative(session, key)
    if rep is None:
        raise NotFoundError(f"unknown representative {str(key)!r}: an admin adds them first")
    require_rep(session, actor, rep.id, action=action)
    return rep


def acting_user(sessions: Sessions, email: str | None) -> UserRecord:
    """The user a command acts as: the one with ``email``, else the local admin."""
    if not email:
        return local_admin(sessions)
    with sessions() as s:
        user = s.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise NotFoundError(f"no user with email {email!r} (add one with `qa-coach db add-user`)")
        return user_record(user)


def team_of(session: Session, rep_id: int) -> int | None:
    return session.scalar(select(Representative.team_id).where(Representative.id == rep_id))
