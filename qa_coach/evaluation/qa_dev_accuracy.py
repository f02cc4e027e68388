"""Agreement of the scorer with the reviewers on the real qa_dev chats.

Per criterion: the reviewers' own Cohen's kappa (A vs B), the scorer's kappa, agreement and
confusion matrix against the adjudicated label, the cross-validated kappa (repeated k-fold
by conversation, see :mod:`qa_coach.evaluation.cross_validation`), and the kappa of the
answers at or above the review queue's confidence threshold and of those below it.

The scorer as it ships fits nothing to these chats: its fitter ignores the training folds,
so its cross-validated figures equal the plain ones. Anything fitted later plugs in as
another fitter and is then only ever measured on chats its fit did not see.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from statistics import mean
from typing import Callable, Mapping, Sequence

from qa_coach.domain.agreement import ConfusionMatrix, agreement, confusion_matrix
from qa_coach.domain.scorecard import REVIEW_CONFIDENCE, BuiltInAnswer
from qa_coach.evaluation.cross_validation import cross_validate
from qa_coach.evaluation.qa_dev import CRITERIA, ReviewedChat, load_qa_dev

ANSWER_ORDER = ("yes", "partial", "no", BuiltInAnswer.NA)


@dataclass(frozen=True)
class CriterionAnswer:
    answer: str  # yes / partial / no / na
    confidence: float
    rationale: str
    route: str = ""  # which way the rubric reached the answer: "na", "rule N", "otherwise"


ChatAnswers = Mapping[str, CriterionAnswer]  # criterion -> answer, for one chat
ChatPredictor = Callable[[Sequence[ReviewedChat]], Sequence[ChatAnswers]]
ChatFitter = Callable[[Sequence[ReviewedChat]], ChatPredictor]


@dataclass(frozen=True)
class Figure:
    n: int
    agreement: float
    kappa: float | None  # None when undefined (fewer than two answers)


@dataclass(frozen=True)
class Spread:
    """One figure over the repeats of a cross-validation: mean, lowest and highest.

    Repeats where the figure is undefined (None) are left out; all None when none defines it.
    """

    mean: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, values: Sequence[float | None]) -> Spread:
        defined = [v for v in values if v is not None]
        return cls(mean(defined), min(defined), max(defined)) if defined else cls(None, None, None)


@dataclass(frozen=True)
class CrossValidated:
    n: Spread  # answers per repeat (varies between repeats only for a subset, e.g. confident answers)
    agreement: Spread
    kappa: Spread  # each repeat: kappa of its pooled out-of-fold answers


@dataclass(frozen=True)
class CriterionReport:
    criterion: str
    reviewers: Figure  # reviewer A vs reviewer B
    scorer: Figure  # the scorer as shipped vs the adjudicated label
    confusion: ConfusionMatrix  # rows: adjudicated label, columns: the scorer's answer
    cross_validated: CrossValidated
    confident: CrossValidated  # out-of-fold answers with confidence at or above the threshold
    unsure: CrossValidated  # out-of-fold answers with confidence below the threshold


@dataclass(frozen=True)
class Disagreement:
    id: str
    criterion: str
    human: str
    scorer: str
    confidence: float
    rationale: str


@dataclass(frozen=True)
class QaDevReport:
    n_chats: int
    folds: int
    repeats: int
    seed: int
    review_threshold: float
    criteria: tuple[CriterionReport, ...]
    missing_criteria: tuple[str, ...]  # criteria of the set that the rubric does not have
    disagreements: tuple[Disagreement, ...]  # the scorer as shipped vs the adjudicated label


def scorer_answers(chats: Sequence[ReviewedChat], rubric: str | None = None) -> list[dict[str, CriterionAnswer]]:
    """The shipped scorer's answer to each criterion of the set that the rubric has, per chat."""
    from qa_coach.services.scorers import scorer_for

    cards = scorer_for(rubric).score_many([c.interaction for c in chats])
    return [
        {
            r.criterion_id: CriterionAnswer(
                r.answer or BuiltInAnswer.NA, r.confidence, (r.na_reason if r.na else r.rationale) or "", r.route
            )
            for r in card.results
            if r.criterion_id in CRITERIA
        }
        for card in cards
    ]


def fits_nothing(answers: Mapping[str, ChatAnswers]) -> ChatFitter:
    """The fitter of a predictor with nothing fitted: it ignores the training chats.

    ``answers`` (chat id -> answers) are the predictor's answers, computed once: a predictor
    that fits nothing answers a chat the same whatever the training folds were.
    """

    def fit(training: Sequence[ReviewedChat]) -> ChatPredictor:
        return lambda unseen: [answers[c.id] for c in unseen]

    return fit


#: The prior of a route's confidence: as if it had been seen agreeing once and disagreeing
#: once, so a route seen on few chats stays near 0.5 (near the review threshold).
_PRIOR_AGREE, _PRIOR_SEEN = 1, 2
_UNSEEN_ROUTE = 0.0  # a route no training chat took was never checked: it goes to review


def route_confidence(chats: Sequence[ReviewedChat], answers: Sequence[ChatAnswers]) -> dict[str, dict[str, float]]:
    """criterion -> route -> how often the answers reached by that route agreed with the
    adjudicated label (smoothed by the prior): the calibrated confidence of that route."""
    agree: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str, str], int] = {}
    for chat, chat_answers in zip(chats, answers):
        for criterion, a in chat_answers.items():
            key = (criterion, a.route)
            seen[key] = seen.get(key, 0) + 1
            agree[key] = agree.get(key, 0) + (a.answer == chat.label[criterion])
    table: dict[str, dict[str, float]] = {}
    for (criterion, route), n in sorted(seen.items()):
        table.setdefault(criterion, {})[route] = round((agree[(criterion, route)] + _PRIOR_AGREE) / (n + _PRIOR_SEEN), 2)
    return table


def fits_route_confidence(answers: Mapping[str, ChatAnswers]) -> ChatFitter:
    """The fitter that calibrates confidence: the answers stay the scorer's, and each one's
    confidence becomes its route's agreement rate on the training chats only (never the
    confidence the rubric ships, which was fitted on every chat)."""

    def fit(training: Sequence[ReviewedChat]) -> ChatPredictor:
        table = route_confidence(training, [answers[c.id] for c in training])

        def predict(unseen: Sequence[ReviewedChat]) -> list[ChatAnswers]:
            return [
                {crit: replace(a, confidence=table.get(crit, {}).get(a.route, _UNSEEN_ROUTE))
                 for crit, a in answers[c.id].items()}
                for c in unseen
            ]

        return predict

    return fit


def evaluate_qa_dev(
    chats: Sequence[ReviewedChat],
    answers: Sequence[ChatAnswers],
    fitter: ChatFitter,
    *,
    threshold: float,
    folds: int = 5,
    repeats: int = 5,
    seed: int = 0,
) -> QaDevReport:
    """The report for ``answers`` (the shipped predictor's, one per chat) and ``fitter``
    (cross-validated over the chats)."""
    out_of_fold = cross_validate(chats, fitter, k=folds, repeats=repeats, seed=seed)
    present = [c for c in CRITERIA if all(c in a for a in answers)]
    reports = []
    for criterion in present:
        human = [c.label[criterion] for c in chats]
        reports.append(
            CriterionReport(
                criterion=criterion,
                reviewers=_figure([c.reviewer_a[criterion] for c in chats], [c.reviewer_b[criterion] for c in chats]),
                scorer=_figure(human, [a[criterion].answer for a in answers]),
                confusion=confusion_matrix(human, [a[criterion].answer for a in answers], ANSWER_ORDER),
                cross_validated=_cross_validated(human, out_of_fold, criterion, lambda a: True),
                confident=_cross_validated(human, out_of_fold, criterion, lambda a: a.confidence >= threshold),
                unsure=_cross_validated(human, out_of_fold, criterion, lambda a: a.confidence < threshold),
            )
        )
    disagreements = tuple(
        Disagreement(chat.id, criterion, chat.label[criterion], a.answer, a.confidence, a.rationale)
        for chat, chat_answers in zip(chats, answers)
        for criterion in present
        if (a := chat_answers[criterion]).answer != chat.label[criterion]
    )
    return QaDevReport(
        n_chats=len(chats),
        folds=folds,
        repeats=repeats,
        seed=seed,
        review_threshold=threshold,
        criteria=tuple(reports),
        missing_criteria=tuple(c for c in CRITERIA if c not in present),
        disagreements=disagreements,
    )


def _figure(a: Sequence[str], b: Sequence[str]) -> Figure:
    ag = agreement(a, b)
    return Figure(ag.n, ag.accuracy, ag.kappa)


def _cross_validated(
    human: Sequence[str],
    out_of_fold: Sequence[Sequence[ChatAnswers]],
    criterion: str,
    keep: Callable[[CriterionAnswer], bool],
) -> CrossValidated:
    per_repeat = []
    for repeat in out_of_fold:
        pairs = [(h, a[criterion].answer) for h, a in zip(human, repeat) if keep(a[criterion])]
        per_repeat.append(_figure([h for h, _ in pairs], [s for _, s in pairs]))
    return CrossValidated(
        n=Spread.of([f.n for f in per_repeat]),
        agreement=Spread.of([f.agreement if f.n else None for f in per_repeat]),
        kappa=Spread.of([f.kappa for f in per_repeat]),
    )


def report_as_json(report: QaDevReport, *, disagreements: bool = False) -> dict:
    """The report as JSON-ready data, figures rounded to 3 decimals; the list of
    disagreements only when asked for."""
    data = _rounded(asdict(report))
    if not disagreements:
        del data["disagreements"]
    return data


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    return value


def measure_scorer(folder: Path, rubric: str | None = None) -> QaDevReport:
    """The shipped scorer (with ``rubric``, default: the default rubric) on the qa_dev chats in
    ``folder``. Raises QaDevMissing when the folder is not there."""
    chats = load_qa_dev(folder)
    answers = scorer_answers(chats, rubric)
    fitter = fits_route_confidence({chat.id: chat_answers for chat, chat_answers in zip(chats, answers)})
    return evaluate_qa_dev(chats, answers, fitter, threshold=REVIEW_CONFIDENCE)


def fit_route_confidence(folder: Path, rubric: str | None = None) -> dict[str, dict[str, float]]:
    """The route confidence of each criterion (see :func:`route_confidence`), fitted on all
    the qa_dev chats in ``folder``: what a rubric ships. Its cross-validated effect is what
    :func:`measure_scorer` reports."""
    chats = load_qa_dev(folder)
    return route_confidence(chats, scorer_answers(chats, rubric))
