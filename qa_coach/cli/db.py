"""``qa-coach db ...``: create or upgrade the database, and add teams, representatives, users."""

from __future__ import annotations

from datetime import date

import click

from qa_coach.cli import main
from qa_coach.domain.people import UserRole
from qa_coach.settings import env_var_of, get_settings

USER_ENV = env_var_of("user")


def open_database(check: bool = True):
    """The database named by QA_COACH_DATABASE_URL (or the default SQLite file)."""
    from qa_coach.services import database

    return database.open_database(check_schema=check)


def acting_user(db, email: str | None) -> int:
    """The user a command acts as: --as / QA_COACH_USER, else the local admin."""
    from qa_coach.services import directory

    return directory.acting_user(db.session_factory(), email or get_settings().user).id


as_option = click.option("--as", "as_user", default=None, metavar="EMAIL",
                         help=f"Act as this user (default: ${USER_ENV}, else the local admin).")


@main.group("db")
def db_group() -> None:
    """The database: where it is, its schema version, and the people in it."""


@db_group.command("upgrade")
def upgrade_command() -> None:
    """Create the database or bring its schema up to date (safe to run again)."""
    from qa_coach.services import database

    before, after = database.upgrade_database(open_database(check=False))
    if before.revisions == after.revisions:
        click.echo(f"{after.location}: already at revision {', '.join(after.revisions)}")
    else:
        click.echo(f"{after.location}: upgraded from {', '.join(before.revisions) or 'empty'} "
                   f"to {', '.join(after.revisions)}")
    assert after.up_to_date


@db_group.command("current")
def current_command() -> None:
    """Show the database URL and its schema revision."""
    from qa_coach.services import database

    now = database.schema_state(open_database(check=False))
    state = "up to date" if now.up_to_date else "run `qa-coach db upgrade`"
    click.echo(f"{now.location}: revision {', '.join(now.revisions) or 'none'} "
               f"(code expects {', '.join(now.head)}): {state}")


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
@click.option("--role", type=click.Choice([r.value for r in UserRole]), required=True)
@click.option("--rep", "rep", default=None, help="The representative (id, email or name) this user is.")
@click.option("--team", "teams", multiple=True, help="A team the reviewer or coach works with (repeatable).")
@as_option
def add_user_command(name: str, email: str, role: str, rep: str | None, teams: tuple[str, ...], as_user: str | None) -> None:
    """Add a user with a role."""
    from qa_coach.services.directory import create_user, find_representative

    db = open_database()
    user = acting_user(db, as_user)
    rep_id = find_representative(db.session_factory(), user, rep).id if rep else None
    team_ids = tuple(_team_id(db, user, t) for t in teams)
    created = create_user(db.session_factory(), user, name=name, email=email, role=role, representative_id=rep_id,
                          team_ids=team_ids)
    click.echo(f"user {created.id}: {created.name} <{created.email}> ({created.role})")
