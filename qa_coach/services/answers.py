"""A human's answers turned into points and a score with the rubric's own arithmetic."""

from __future__ import annotations

from typing import Mapping

from qa_coach.domain.rubric import Rubric
from qa_coach.domain.scorecard import BuiltInAnswer, CriterionResult, Scorecard
from qa_coach.domain.scoring import aggregate

from .errors import ValidationError


def validate_answers(rubric: Rubric, answers: Mapping[str, str | None], *, where: str) -> None:
    """Every criterion must exist in the rubric and every answer be one of its options."""
    known = {c.id: c for c in rubric.criteria}
    for cid, answer in answers.items():
        crit = known.get(cid)
        if crit is None:
            raise ValidationError(
                f"{where}: rubric {rubric.id} {rubric.version} has no criterion {cid!r} "
                f"(criteria: {', '.join(known)}); nothing was saved"
            )
        if answer is not None and answer != BuiltInAnswer.NA and answer not in {o.key for o in crit.options}:
            options = ", ".join([o.key for o in crit.options] + [BuiltInAnswer.NA])
            raise ValidationError(f"{where}: {answer!r} is not an answer of {cid!r} (answers: {options}); nothing was saved")


def human_result(rubric: Rubric, criterion_id: str, answer: str | None) -> CriterionResult:
    crit = rubric.criterion(criterion_id)
    na = answer is None or answer == BuiltInAnswer.NA
    if na:
        return CriterionResult(crit.id, crit.name, crit.section, None, "N/A", 0.0, crit.weight, crit.weight,
                               True, "set by a reviewer", crit.critical, False, 1.0, "human", ())
    opt = crit.option(answer)
    fails = crit.fail_answers or tuple(o.key for o in crit.options if o.fraction == 0)
    return CriterionResult(crit.id, crit.name, crit.section, opt.key, opt.label, round(opt.fraction * crit.weight, 4),
                           crit.weight, crit.weight, False, None, crit.critical,
                           crit.critical and opt.key in fails, 1.0, "human", ())


def score_answers(rubric: Rubric, answers: Mapping[str, str | None], base: Scorecard | None = None) -> Scorecard:
    """The score of ``answers`` laid over ``base`` (the automatic answers) for criteria left out."""
    results = []
    for crit in rubric.criteria:
        if crit.id in answers:
            results.append(human_result(rubric, crit.id, answers[crit.id]))
        elif base is not None:
            try:
                results.append(base.result(crit.id))
            except KeyError:
                results.append(human_result(rubric, crit.id, None))
        else:
            results.append(human_result(rubric, crit.id, None))
    return aggregate(rubric, base.interaction_id if base else "", tuple(results))
