"""Agreement of the automatic scorer with human labels on eval/labelled/*.yaml.

Run: ``python -m qa_coach.evaluation.scorer_accuracy [--json] [--rubric FILE] [--show-errors]``

The conversations in eval/labelled/ were written and labelled by the project team: they are
a regression set, not evidence of accuracy (the real chats of
:mod:`qa_coach.evaluation.qa_dev_accuracy` are). Each file is reported on its own and
together: part1.yaml was used while tuning the default rubric; part2.yaml was not.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from qa_coach.domain.agreement import agreement
from qa_coach.domain.interaction import Interaction
from qa_coach.domain.scorecard import BuiltInAnswer

LABELLED_DIR = Path(__file__).resolve().parents[2] / "eval" / "labelled"
CRITERIA = ("greeting", "active_listening", "empathy", "apology", "resolution", "closing")
TEAM_WRITTEN = "written by the project team: a regression set, not evidence of accuracy"


@dataclass(frozen=True)
class LabelledConversation:
    id: str
    split: str
    interaction: Interaction
    labels: dict[str, str]


def _answer(v: object) -> str:
    return {True: "yes", False: "no"}.get(v, str(v)) if isinstance(v, bool) else str(v)


def load_labelled(directory: Path = LABELLED_DIR) -> list[LabelledConversation]:
    from qa_coach.ingest import import_text

    out = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for conv in data["conversations"]:
            (interaction,) = import_text(conv["transcript"], name=f"{path.name}:{conv['id']}", format="text")
            labels = {k: _answer(v) for k, v in conv["labels"].items()}
            out.append(LabelledConversation(conv["id"], path.stem, interaction, labels))
    return out


def evaluate(rubric: str | None = None) -> dict:
    from qa_coach.services.scorers import scorer_for

    convs = load_labelled()
    scorer = scorer_for(rubric)
    cards = scorer.score_many([c.interaction for c in convs])
    predictions = [{r.criterion_id: (r.answer or BuiltInAnswer.NA) for r in card.results} for card in cards]
    report: dict = {"splits": {}, "errors": []}
    for split in sorted({c.split for c in convs}) + ["all"]:
        idx = [i for i, c in enumerate(convs) if split in ("all", c.split)]
        per = {}
        for crit in CRITERIA:
            human = [convs[i].labels[crit] for i in idx]
            auto = [predictions[i][crit] for i in idx]
            ag = agreement(human, auto)
            per[crit] = {
                "n": ag.n,
                "accuracy": round(ag.accuracy, 3),
                "kappa": None if ag.kappa is None else round(ag.kappa, 3),
                "confusion": dict(Counter(f"{h}->{a}" for h, a in zip(human, auto) if h != a)),
            }
        report["splits"][split] = per
    for c, p, card in zip(convs, predictions, cards):
        for crit in CRITERIA:
            if c.labels[crit] != p[crit]:
                r = card.result(crit)
                report["errors"].append(
                    {"id": c.id, "criterion": crit, "human": c.labels[crit], "auto": p[crit], "why": r.na_reason or r.rationale}
                )
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rubric", default=None)
    ap.add_argument("--show-errors", action="store_true", help="list every disagreement (dev split only)")
    args = ap.parse_args(argv)
    report = evaluate(args.rubric)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"eval/labelled: {TEAM_WRITTEN}")
    for split, per in report["splits"].items():
        n = next(iter(per.values()))["n"]
        print(f"\n{split} ({n} conversations)")
        print(f"  {'criterion':<18}{'agreement':>10}{'kappa':>8}")
        for crit, m in per.items():
            k = "—" if m["kappa"] is None else f"{m['kappa']:.2f}"
            print(f"  {crit:<18}{m['accuracy']:>10.1%}{k:>8}")
    if args.show_errors:
        for e in report["errors"]:
            if not e["id"].startswith("p2"):
                print(f"{e['id']:8} {e['criterion']:17} human={e['human']:8} auto={e['auto']:8} {e['why'][:150]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
