"""``qa-coach calibrate --team NAME [--apply]`` and ``qa-coach calibrate revert --team NAME``:
refit a team's decision thresholds to its reviewers' answers, apply or revert them."""

from __future__ import annotations

import click

from qa_coach.cli import main
from qa_coach.cli.db import acting_user, as_option, open_database

_RUBRIC_HELP = "Rubric YAML file or built-in name (default: default)."


def _kappa(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def format_calibration(record, team: str, rubric_label: str) -> list[str]:
    """The lines that show a threshold calibration: one per criterion."""
    state = "applied" if record.applied else "not applied"
    lines = [
        f"Threshold calibration {record.version} for team {team!r}, rubric {rubric_label} ({state}).",
        "κ is measured on reviewer answers the refit did not see (held out).",
        f"{'criterion':<22}{'answers':>8}{'overrides':>10}{'held out':>9}{'κ before':>9}{'κ after':>8}  change",
    ]
    for f in record.fits:
        if f.changes:
            change = "; ".join(f"{c.signal}.{c.field} {c.before:g} → {c.after:g}" for c in f.changes)
        else:
            change = f"left as it is: {f.note}"
        lines.append(f"{f.criterion_id:<22}{f.answers:>8}{f.disagreements:>10}{f.held_out:>9}"
                     f"{_kappa(f.kappa_before):>9}{_kappa(f.kappa_after):>8}  {change}")
    return lines


def _setup(team: str, rubric: str | None, as_user: str | None):
    from qa_coach.services.directory import list_teams
    from qa_coach.services.rubrics import load_rubric_file, register_rubric

    db = open_database()
    user_id = acting_user(db, as_user)
    sessions = db.session_factory()
    match = [t for t in list_teams(sessions, user_id) if t.name.lower() == team.lower()]
    if not match:
        names = ", ".join(t.name for t in list_teams(sessions, user_id)) or "none"
        raise click.UsageError(f"no team named {team!r} (teams: {names})")
    version = register_rubric(sessions, user_id, load_rubric_file(rubric))
    return sessions, user_id, match[0], version


@main.group("calibrate", invoke_without_command=True)
@click.option("--team", "team", default=None, help="The team whose reviewers' answers to fit (name).")
@click.option("--rubric", "rubric", default=None, help=_RUBRIC_HELP)
@click.option("--apply", "apply", is_flag=True, help="Apply the new calibration to the team's scoring.")
@as_option
@click.pass_context
def calibrate_group(ctx: click.Context, team: str | None, rubric: str | None, apply: bool, as_user: str | None) -> None:
    """Refit a team's decision thresholds to its reviewers' answers (admins).

    Shows, per criterion, the reviewer answers used, how many the shipped thresholds
    disagree with, and Cohen's κ before and after on held-out answers. Each run is stored
    as the next calibration version; --apply makes the team's scoring use it.
    """
    if ctx.invoked_subcommand is not None:
        return
    if team is None:
        raise click.UsageError("give the team: qa-coach calibrate --team NAME")
    from qa_coach.services.threshold_calibration import apply_threshold_calibration, refit_thresholds

    sessions, user_id, team_rec, version = _setup(team, rubric, as_user)
    record = refit_thresholds(sessions, user_id, team_rec.id, version.id)
    if apply:
        record = apply_threshold_calibration(sessions, user_id, record.id)
    for line in format_calibration(record, team_rec.name, f"{version.rubric_key} v{version.version}"):
        click.echo(line)
    if not apply:
        click.echo(f"Apply it: qa-coach calibrate --team {team_rec.name!r} --apply (refits again, then applies)")


@calibrate_group.command("revert")
@click.option("--team", "team", required=True, help="The team (name).")
@click.option("--rubric", "rubric", default=None, help=_RUBRIC_HELP)
@as_option
def revert_command(team: str, rubric: str | None, as_user: str | None) -> None:
    """Score the team with the shipped thresholds again."""
    from qa_coach.services.threshold_calibration import revert_threshold_calibration

    sessions, user_id, team_rec, version = _setup(team, rubric, as_user)
    record = revert_threshold_calibration(sessions, user_id, team_rec.id, version.id)
    click.echo(f"Reverted threshold calibration {record.version} of team {team_rec.name!r}: "
               f"rubric {version.rubric_key} v{version.version} scores with its shipped thresholds again.")
