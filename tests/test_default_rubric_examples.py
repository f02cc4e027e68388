"""The default rubric's own example conversations (``qa-coach rubric test``) all pass with
the real packaged models: the examples are the rubric's specification, so a change to a
detector or a model that breaks one fails here."""

from __future__ import annotations

import pytest

import qa_coach
from qa_coach.services.rubric_examples import run_examples

pytestmark = pytest.mark.slow  # real models


def test_every_example_of_the_default_rubric_passes() -> None:
    report = run_examples(qa_coach.load_rubric())
    assert report.outcomes, "the default rubric carries no example conversations"
    failures = [
        f"{o.example_id}: {m.criterion_id} expected {m.expected}, got {m.actual} ({m.rationale})"
        for o in report.outcomes
        for m in o.mismatches
    ]
    assert not failures, "\n".join(failures)
    assert report.passed == len(report.outcomes)
