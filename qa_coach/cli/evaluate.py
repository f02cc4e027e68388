"""``qa-coach evaluate``: every accuracy figure in one run.

Scorer agreement with the human labels in eval/labelled/ (per criterion, agreement and
Cohen's kappa; part1 is the split the default rubric was tuned on, part2 is held out),
and the sentiment model against the VADER lexicon on TweetEval (val) and on held-out
contact-centre utterances.
"""

from __future__ import annotations

import json

import click

from qa_coach.cli import main


@main.command("evaluate")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--rubric", default=None, help="Rubric to measure (default: default).")
def evaluate_command(as_json: bool, rubric: str | None) -> None:
    """Measure the scorer against human labels and the sentiment model against VADER."""
    from qa_coach.evaluation import scorer_accuracy, sentiment

    scorer = scorer_accuracy.evaluate(rubric)
    try:
        senti: dict | str = sentiment.evaluate()
    except FileNotFoundError as exc:
        senti = str(exc)
    if as_json:
        click.echo(json.dumps({"scorer": scorer["splits"], "sentiment": senti}, indent=2))
        return
    click.echo("Scorer vs human labels (eval/labelled; part1 = tuning split, part2 = held out)")
    for split, per in scorer["splits"].items():
        n = next(iter(per.values()))["n"]
        click.echo(f"\n  {split} ({n} conversations)\n    {'criterion':<18}{'agreement':>10}{'kappa':>8}")
        for crit, m in per.items():
            k = "—" if m["kappa"] is None else f"{m['kappa']:.2f}"
            click.echo(f"    {crit:<18}{m['accuracy']:>10.1%}{k:>8}")
    click.echo("\nSentiment: ours vs the VADER lexicon")
    if isinstance(senti, str):
        click.echo(f"  skipped: {senti}")
        return
    click.echo(f"    {'set':<16}{'system':<8}{'n':>6}{'accuracy':>10}{'macro-F1':>10}{'macro-recall':>14}")
    for name, rows in senti.items():
        for system in ("ours", "vader"):
            m = rows[system]
            click.echo(f"    {name:<16}{system:<8}{rows['n']:>6}{m['accuracy']:>10.3f}{m['macro_f1']:>10.3f}{m['macro_recall']:>14.3f}")
