"""Generic detectors that rubric files configure: each finds one kind of signal in a
conversation and returns a :class:`~qa_coach.domain.detectors.base.Detection` with the
turns that show it. Every detector follows :class:`~qa_coach.domain.detectors.base.DetectorSpec`;
the rubric schema (:mod:`qa_coach.rubric.schema`) names them and holds their defaults."""

from qa_coach.domain.detectors.act import ActSpec
from qa_coach.domain.detectors.details import DetailsSpec
from qa_coach.domain.detectors.base import Detection, DetectorSpec, Scope
from qa_coach.domain.detectors.lexical import PatternSpec, QuestionSpec
from qa_coach.domain.detectors.metric import MetricSpec
from qa_coach.domain.detectors.requests import RequestsSpec
from qa_coach.domain.detectors.semantic import ParaphraseSpec, PhrasesSpec
from qa_coach.domain.detectors.sentiment import SentimentChangeSpec, SentimentSpec

__all__ = [
    "ActSpec",
    "DetailsSpec",
    "Detection",
    "DetectorSpec",
    "MetricSpec",
    "ParaphraseSpec",
    "PatternSpec",
    "PhrasesSpec",
    "QuestionSpec",
    "RequestsSpec",
    "Scope",
    "SentimentChangeSpec",
    "SentimentSpec",
]
