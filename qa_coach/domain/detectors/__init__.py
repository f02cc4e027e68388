"""Generic detectors that rubric files configure: each finds one kind of signal in a
conversation and returns a :class:`~qa_coach.domain.detectors.base.Detection` with the
turns that show it."""

from qa_coach.domain.detectors.base import Detection, DetectorSpec, Scope
from qa_coach.domain.detectors.lexical import PatternSpec, QuestionSpec
from qa_coach.domain.detectors.metric import MetricSpec
from qa_coach.domain.detectors.semantic import ParaphraseSpec, PhrasesSpec
from qa_coach.domain.detectors.sentiment import SentimentChangeSpec, SentimentSpec

DETECTOR_TYPES: dict[str, type] = {
    "phrases": PhrasesSpec,
    "pattern": PatternSpec,
    "question": QuestionSpec,
    "paraphrase": ParaphraseSpec,
    "sentiment": SentimentSpec,
    "sentiment_change": SentimentChangeSpec,
    "metric": MetricSpec,
}

__all__ = ["DETECTOR_TYPES", "Detection", "DetectorSpec", "Scope"]
