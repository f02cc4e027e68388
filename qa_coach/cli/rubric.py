"""``qa-coach rubric validate|test FILE``: check a rubric file and its examples."""

from __future__ import annotations

import click

from qa_coach.cli import main


@main.group("rubric")
def rubric_group() -> None:
    """Validate rubric files and run the example conversations they carry."""


@rubric_group.command("validate")
@click.argument("file")
def validate_command(file: str) -> None:
    """Check FILE and print its sections, criteria and weights."""
    from qa_coach.services.rubrics import load_rubric_file

    rubric = load_rubric_file(file)
    click.echo(f"{rubric.path}: OK — '{rubric.name}' ({rubric.id} v{rubric.version})")
    for section in rubric.sections:
        click.echo(f"  {section.name}")
        for c in section.criteria:
            flags = ", ".join(f for f in ("critical" if c.critical else "", "bonus" if c.bonus else "", "can be N/A" if c.na_when else "") if f)
            opts = "/".join(o.key for o in c.options)
            click.echo(f"    {c.id:<20} weight {c.weight:>5g}  {opts:<16} {flags}")
    click.echo(f"  {len(rubric.examples)} example conversation(s); run `qa-coach rubric test {file}`")


@rubric_group.command("test")
@click.argument("file")
def test_command(file: str) -> None:
    """Score the example conversations in FILE and compare with their expected answers."""
    from qa_coach.services.rubric_examples import run_examples

    report = run_examples(file)
    for outcome in report.outcomes:
        mark = "PASS" if outcome.passed else "FAIL"
        click.echo(f"{mark} {outcome.example_id}")
        for m in outcome.mismatches:
            click.echo(f"     {m.criterion_id}: expected {m.expected}, got {m.actual} — {m.rationale}")
    click.echo(f"{report.passed} passed, {report.failed} failed")
    if report.failed:
        raise SystemExit(1)
    if not report.outcomes:
        click.echo("(the rubric has no examples)")
