"""``qa-coach demo load``: a small team with a few weeks of history, for a first look."""

from __future__ import annotations

import click

from qa_coach.cli import main
from qa_coach.cli.db import acting_user, as_option, open_database


@main.group("demo")
def demo_group() -> None:
    """Demo data."""


@demo_group.command("load")
@click.option("--weeks", default=6, show_default=True, help="Weeks of generated history.")
@click.option("--per-week", default=4, show_default=True, help="Interactions per representative and week.")
@click.option("--seed", default=0, show_default=True)
@as_option
def load_command(weeks: int, per_week: int, seed: int, as_user: str | None) -> None:
    """Load the sample chats and generated history for a demo team (scored with the real models)."""
    from qa_coach.services.database import demo_folder
    from qa_coach.services.demo_data import load_demo

    db = open_database()
    user = acting_user(db, as_user)
    click.echo("loading demo data (scoring every conversation; this takes a little while) ...", err=True)
    summary = load_demo(db.session_factory(), user, demo_folder(), weeks=weeks, per_week=per_week, seed=seed)
    click.echo(
        f"demo team {summary.team_id}: {summary.representatives} representatives, {summary.users} users, "
        f"{summary.interactions} interactions from {summary.files} files, {summary.reviews} human reviews, "
        f"{summary.coaching_sessions} coaching session"
    )
