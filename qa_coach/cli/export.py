"""``qa-coach export scores|report``: scores and reviews as CSV/JSON; a coaching report as HTML."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from qa_coach.cli import main
from qa_coach.cli.db import _team_id, acting_user, as_option, open_database


def _rep_id(db, user_id: int, rep: str) -> int:
    from qa_coach.services.directory import find_representative

    return find_representative(db.session_factory(), user_id, rep).id


def _write(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    else:
        sys.stdout.write(text)


def _date(value) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value else None


@main.group("export")
def export_group() -> None:
    """Export scores, reviews and coaching reports."""


@export_group.command("scores")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--out", default=None, help="File to write (default: standard output).")
@click.option("--rep", default=None, help="Only this representative (id, email or name).")
@click.option("--team", default=None, help="Only this team (name or id).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None)
@as_option
def scores_command(fmt, out, rep, team, since, until, as_user) -> None:
    """Automatic scores and human reviews: CSV has one row per interaction and criterion."""
    from qa_coach.services.export import csv_text, export_records, json_text

    db = open_database()
    user = acting_user(db, as_user)
    records = export_records(
        db.session_factory(), user, representative_id=_rep_id(db, user, rep) if rep else None,
        team_id=_team_id(db, user, team) if team else None, since=_date(since), until=_date(until),
    )
    if fmt == "json":
        _write(json_text(records), out)
        return
    _write(csv_text(records), out)


@export_group.command("report")
@click.option("--rep", required=True, help="The representative (id, email or name).")
@click.option("--out", default=None, help="HTML file to write (default: standard output).")
@click.option("--weeks", default=12, show_default=True, help="How many weeks back.")
@as_option
def report_command(rep, out, weeks, as_user) -> None:
    """A coaching report for one representative (HTML): trends, criteria, examples, sessions."""
    from qa_coach.services.coaching_report import coaching_report_html

    db = open_database()
    user = acting_user(db, as_user)
    _write(coaching_report_html(db.session_factory(), user, _rep_id(db, user, rep), weeks=weeks), out)
