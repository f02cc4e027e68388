"""Sentiment accuracy: ``python -m qa_coach.evaluation.sentiment [--json]``.

Scores our model and the VADER lexicon on TweetEval's validation tweets (the reporting
set: never used in training) and on the held-out 20% of the contact-centre utterances.
TweetEval is read from ``../shared/extdata`` beside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qa_coach.ml.sentiment_data import (
    LABELS,
    Example,
    classification_scores,
    domain_examples,
    tweeteval_dir,
    tweeteval_examples,
)

EXTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "extdata"
VADER_THRESHOLD = 0.05  # VADER's own cut-off on the compound score


def vader_labels(texts: list[str]) -> list[int]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    out = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        out.append(2 if compound >= VADER_THRESHOLD else 0 if compound <= -VADER_THRESHOLD else 1)
    return out


def model_labels(texts: list[str]) -> list[int]:
    from qa_coach.ml.text_signals import load_text_signals

    signals = load_text_signals()
    sentiments = []
    for start in range(0, len(texts), 512):
        sentiments += signals.analyze(texts[start : start + 512]).sentiments
    return [LABELS.index(s.label) for s in sentiments]


def evaluate(extdata: Path | None = None) -> dict:
    extdata = extdata or EXTDATA
    folder = tweeteval_dir(extdata)
    if not (folder / "val_text.txt").is_file():
        raise FileNotFoundError(
            f"TweetEval not found at {folder}: this report needs ../shared/extdata beside the repository"
        )
    sets: dict[str, list[Example]] = {
        "tweeteval_val": tweeteval_examples(extdata),
        "domain_heldout": domain_examples("heldout"),
    }
    report: dict = {}
    for name, examples in sets.items():
        texts, gold = [e.text for e in examples], [e.label for e in examples]
        report[name] = {"n": len(examples)}
        for system, labeller in (("ours", model_labels), ("vader", vader_labels)):
            acc, f1, rec = classification_scores(gold, labeller(texts))
            report[name][system] = {"accuracy": round(acc, 4), "macro_f1": round(f1, 4), "macro_recall": round(rec, 4)}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sentiment accuracy of our model and VADER.")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        report = evaluate()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{'set':<16}{'system':<8}{'n':>6}{'accuracy':>10}{'macro-F1':>10}{'macro-recall':>14}")
    for name, rows in report.items():
        for system in ("ours", "vader"):
            m = rows[system]
            print(f"{name:<16}{system:<8}{rows['n']:>6}{m['accuracy']:>10.3f}{m['macro_f1']:>10.3f}{m['macro_recall']:>14.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
