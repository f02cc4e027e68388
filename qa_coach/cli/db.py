"""``qa-coach db ...``: create or upgrade the database, and add teams, representatives, users."""

from __future__ import annotations

import os
from datetime import date

import click

from qa_coach.cli import main

USER_ENV = "QA_COACH_USER"


def open_database(check: bool = True):
    """The database named by QA_COACH_DATABASE_URL (or the default SQLite file)."""
    from qa_coach.storage import Database

    db = Database()
    if check:
        db.require_current_schema()
    return db


def acting_user(db, email: str | None) -> int:
    """The user a command acts as: --as / QA_COACH_USER, else the local admin."""
    from sqlalchemy import select

    from qa_coach.domain.errors import QACoachError
    from qa_coach.services.directory import local_admin
    from qa_coach.storage.models import User

    email = email or os.environ.get(USER_ENV)
    sessions = db.session_factory()
    if not email:
        return local_admin(sessions).id
    with sessions() as s:
        user_id = s.scalar(select(User.id).where(User.email == email.strip().lower()))
    if user_id is None:
        raise QACoachError(f"no user with email {email!r} (add one with `qa-coach db add-user`)")
    return user_id


as_option = click.option("--as", "as_user", default=None, metavar="EMAIL",
                         help=f"Act as this user (default: ${USER_ENV}, else the local admin).")


@main.group("db")
def db_group() -> None:
    """The database: where it is, its schema version, and the people in it."""


@db_group.command("upgrade")
def upgrade_command() -> None:
    """Create the database or bring its schema up to date (safe to run again)."""
    from qa_coach.storage.migrate import current_revisions, head_revisions

    db = open_database(check=False)
    before = current_revisions(db.engine)
    db.upgrade()
    after = current_revisions(db.engine)
    where = db.engine.url.render_as_string(hide_password=True)
    if before == after:
        click.echo(f"{where}: already at revision {', '.join(after)}")
    else:
        click.echo(f"{where}: upgraded from {', '.join(before) or 'empty'} to {', '.join(after)}")
    assert after == head_revisions()


@db_group.command("current")
def current_command() -> None:
    """Show the database URL and its schema revision."""
    from qa_coach.storage.migrate import current_revisions, head_revisions

    db = open_database(check=False)
    cur, head = current_revisions(db.engine), head_revisions()
    state = "up to date" if cur == head else "run `qa-coach db upgrade`"
    click.echo(f"{db.engine.url.render_as_string(hide_password=True)}: revision {', '.join(cur) or 'none'} "
               f"(code expects {', '.join(head)}): {state}")


@db_group.command("add-team")
@click.argument("name")
@as_option
def add_team_command(name: str, as_user: str | None) -> None:
    """Add a team."""
    from qa_coach.services.directory import create_team

    db = open_database()
    team = create_team(db.session_factory(), acting_user(db, as_user), name)
    click.echo(f"team {team.id}: {team.name}")


def _team_id(db, user_id: int, team: str) -> int:
    from qa_coach.domain.errors import QACoachError
    from qa_coach.services.directory import list_teams

    for t in list_teams(db.session_factory(), user_id):
        if t.name == team or str(t.id) == team:
            return t.id
    raise QACoachError(f"no team {team!r} (add it with `qa-coach db add-team`)")


@db_group.command("add-rep")
@click.argument("name")
@click.option("--team", required=True, help="Team name or id (created when missing).")
@click.option("--email", default=None)
@click.option("--hire-date", type=click.DateTime(["%Y-%m-%d"]), default=None, help="YYYY-MM-DD")
@as_option
def add_rep_command(name: str, team: str, email: str | None, hire_date, as_user: str | None) -> None:
    """Add a representative to a team."""
    from qa_coach.domain.errors import QACoachError
    from qa_coach.services.directory import create_representative, create_team

    db = open_database()
    user = acting_user(db, as_user)
    try:
        team_id = _team_id(db, user, team)
    except QACoachError:
        team_id = create_team(db.session_factory(), user, team).id
    hired: date | None = hire_date.date() if hire_date else None
    rep = create_representative(db.session_factory(), user, name=name, team_id=team_id, email=email, hire_date=hired)
    click.echo(f"representative {rep.id}: {rep.name} (team {team_id})")


@db_group.command("add-user")
@click.argument("name")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "reviewer", "coach", "representative"]), required=True)
@click.option("--rep", "rep", default=None, help="The representative (id, email or name) this user is.")
@click.option("--team", "teams", multiple=True, help="A team the reviewer or coach works with (repeatable).")
@as_option
def add_user_command(name: str, email: str, role: str, rep: str | None, teams: tuple[str, ...], as_user: str | None) -> None:
    """Add a user with a role."""
    from qa_coach.domain.errors import QACoachError
    from qa_coach.services.directory import create_user
    from qa_coach.storage.repositories import find_representative

    db = open_database()
    user = acting_user(db, as_user)
    rep_id = None
    if rep:
        with db.session_factory()() as s:
            found = find_representative(s, rep)
            rep_id = found.id if found else None
        if rep_id is None:
            raise QACoachError(f"unknown representative {rep!r}")
    team_ids = tuple(_team_id(db, user, t) for t in teams)
    created = create_user(db.session_factory(), user, name=name, email=email, role=role, representative_id=rep_id,
                          team_ids=team_ids)
    click.echo(f"user {created.id}: {created.name} <{created.email}> ({created.role})")
