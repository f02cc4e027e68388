"""``qa-coach evaluate``: every accuracy figure in one run, real data first.

1. The scorer on the real qa_dev chats (../shared/extdata/chat/qa_dev beside the repository,
   or ``--qa-dev DIR``): per criterion, Cohen's kappa against the adjudicated label beside
   the reviewers' own kappa, agreement, the cross-validated kappa, the kappa of the
   answers above and below the review queue's confidence threshold, and confusion matrices.
2. The scorer on eval/labelled/, written by the project team: a regression set.
3. The sentiment model against the VADER lexicon.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from qa_coach.cli import main
from qa_coach.evaluation.qa_dev import DEFAULT_QA_DEV_DIR
from qa_coach.evaluation.qa_dev_accuracy import QaDevReport, Spread


@main.command("evaluate")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--rubric", default=None, help="Rubric to measure (default: default).")
@click.option(
    "--qa-dev", "qa_dev_dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_QA_DEV_DIR,
    show_default=True, help="Folder of the real labelled chats (transcripts/ and labels.tsv).",
)
@click.option(
    "--show-errors", is_flag=True, help="List every qa_dev chat and criterion where the scorer and the label differ."
)
@click.option(
    "--fit-confidence", is_flag=True,
    help="Only print each criterion's calibrated route confidence, fitted on all qa_dev chats, as rubric YAML.",
)
def evaluate_command(as_json: bool, rubric: str | None, qa_dev_dir: Path, show_errors: bool, fit_confidence: bool) -> None:
    """Measure the scorer against human labels (real chats first) and the sentiment model against VADER."""
    from qa_coach.evaluation import qa_dev_accuracy, scorer_accuracy, sentiment
    from qa_coach.evaluation.qa_dev import QaDevMissing

    if fit_confidence:
        import yaml

        try:
            table = qa_dev_accuracy.fit_route_confidence(qa_dev_dir, rubric)
        except QaDevMissing as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo("# confidence: of each criterion, fitted on the qa_dev chats (paste under the criterion)")
        click.echo(yaml.safe_dump({c: {"confidence": t} for c, t in table.items()}, sort_keys=False).rstrip())
        return

    try:
        qa_dev: QaDevReport | str = qa_dev_accuracy.measure_scorer(qa_dev_dir, rubric)
    except QaDevMissing as exc:
        qa_dev = str(exc)
    labelled = scorer_accuracy.evaluate(rubric)
    try:
        senti: dict | str = sentiment.evaluate()
    except FileNotFoundError as exc:
        senti = str(exc)
    if as_json:
        click.echo(json.dumps({
            "qa_dev": {"skipped": qa_dev} if isinstance(qa_dev, str)
            else {"folder": str(qa_dev_dir), **qa_dev_accuracy.report_as_json(qa_dev, disagreements=show_errors)},
            "eval_labelled": {"note": scorer_accuracy.TEAM_WRITTEN, "splits": labelled["splits"]},
            "sentiment": {"skipped": senti} if isinstance(senti, str) else senti,
        }, indent=2))
        return
    _echo_qa_dev(qa_dev, qa_dev_dir, show_errors)
    _echo_labelled(labelled["splits"])
    _echo_sentiment(senti)


def _kappa(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _spread(kappa: Spread) -> str:
    if kappa.mean is None:
        return "—"
    return f"{kappa.mean:.2f} [{kappa.low:.2f}–{kappa.high:.2f}]"


def _count(n: Spread) -> str:
    return f"{n.mean:g}" if n.low == n.high else f"{n.mean:.1f}"


def _side(figures) -> str:
    """Agreement, kappa and answer count of the answers on one side of the threshold."""
    agreement = "—" if figures.agreement.mean is None else f"{figures.agreement.mean:.0%}"
    return f"{agreement} {_kappa(figures.kappa.mean)} ({_count(figures.n)})"


def _echo_qa_dev(report: QaDevReport | str, folder: Path, show_errors: bool) -> None:
    if isinstance(report, str):
        click.echo(f"Scorer vs reviewers on real chats (qa_dev): skipped. {report}")
        return
    t = report.review_threshold
    click.echo(f"Scorer vs reviewers on real chats: qa_dev, {report.n_chats} chats ({folder})")
    click.echo("  each chat labelled by two reviewers independently, then adjudicated; kappa is Cohen's,")
    click.echo("  the scorer's against the adjudicated label, the reviewers' A against B.")
    click.echo(f"  cross-validated: {report.repeats} repeats x {report.folds} folds by chat (seed {report.seed}),")
    click.echo("  mean [min–max] over the repeats of the kappa of each repeat's out-of-fold answers; the")
    click.echo(f"  confidence columns split those answers at the review queue's threshold ({t:g}), with the")
    click.echo("  confidence calibrated on the training folds only: agreement, kappa and answers on each side.")
    click.echo(
        f"\n    {'criterion':<18}{'n':>4}{'reviewers κ':>13}{'agreement':>11}{'κ':>7}"
        f"{'κ cross-validated':>21}{f'conf ≥ {t:g}: agr. κ (n)':>26}{f'conf < {t:g}: agr. κ (n)':>26}"
    )
    for c in report.criteria:
        cv = c.cross_validated
        click.echo(
            f"    {c.criterion:<18}{c.scorer.n:>4}{_kappa(c.reviewers.kappa):>13}{c.scorer.agreement:>11.1%}"
            f"{_kappa(c.scorer.kappa):>7}{_spread(cv.kappa):>21}{_side(c.confident):>26}{_side(c.unsure):>26}"
        )
    for missing in report.missing_criteria:
        click.echo(f"    {missing:<18}not in the rubric")
    click.echo("\n  Confusion matrices (rows: adjudicated label, columns: the scorer's answer)")
    for c in report.criteria:
        labels = c.confusion.labels
        click.echo(f"\n    {c.criterion:<18}" + "".join(f"{label:>9}" for label in labels))
        for label, row in zip(labels, c.confusion.counts):
            click.echo(f"      {label:<16}" + "".join(f"{count:>9}" for count in row))
    if show_errors:
        click.echo(f"\n  Disagreements ({len(report.disagreements)}): id, criterion, label, scorer, confidence, why")
        for d in report.disagreements:
            click.echo(f"    {d.id:<6}{d.criterion:<18}{d.human:<9}{d.scorer:<9}{d.confidence:>5.2f}  {d.rationale}")


def _echo_labelled(splits: dict) -> None:
    from qa_coach.evaluation.scorer_accuracy import TEAM_WRITTEN

    click.echo(f"\nScorer vs eval/labelled, {TEAM_WRITTEN}")
    click.echo("  (part1 = the split the default rubric was tuned on, part2 = not used in tuning)")
    for split, per in splits.items():
        n = next(iter(per.values()))["n"]
        click.echo(f"\n  {split} ({n} conversations)\n    {'criterion':<18}{'agreement':>10}{'kappa':>8}")
        for crit, m in per.items():
            click.echo(f"    {crit:<18}{m['accuracy']:>10.1%}{_kappa(m['kappa']):>8}")


def _echo_sentiment(senti: dict | str) -> None:
    click.echo("\nSentiment: ours vs the VADER lexicon")
    if isinstance(senti, str):
        click.echo(f"  skipped: {senti}")
        return
    click.echo(f"    {'set':<16}{'system':<8}{'n':>6}{'accuracy':>10}{'macro-F1':>10}{'macro-recall':>14}")
    for name, rows in senti.items():
        for system in ("ours", "vader"):
            m = rows[system]
            click.echo(f"    {name:<16}{system:<8}{rows['n']:>6}{m['accuracy']:>10.3f}{m['macro_f1']:>10.3f}{m['macro_recall']:>14.3f}")
