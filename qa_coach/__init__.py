"""qa_coach: score customer-service calls and chats against a rubric, with evidence.

The Python API::

    import qa_coach
    rubric = qa_coach.load_rubric()                       # rubrics/default.yaml
    interactions = qa_coach.import_conversations("chats.json")
    cards = qa_coach.score(interactions, rubric)          # one Scorecard per interaction

Heavy modules (models) are imported on first use, so ``import qa_coach`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, overload

if TYPE_CHECKING:
    from qa_coach.domain.interaction import Interaction
    from qa_coach.domain.rubric import Rubric
    from qa_coach.domain.scorecard import Scorecard
    from qa_coach.domain.signals import TextSignals

__all__ = ["load_rubric", "import_conversations", "score"]
__version__ = "0.1.0"


def load_rubric(name_or_path: str | Path | None = None) -> "Rubric":
    """Load and validate a rubric YAML file, or a built-in one by name (default 'default')."""
    from qa_coach.rubric.loader import load_rubric as _load

    return _load(name_or_path)


def import_conversations(path: str | Path, format: str | None = None) -> list["Interaction"]:
    """Read every conversation in a chat-log file (format auto-detected unless given).

    Raises :class:`qa_coach.domain.errors.InputError` naming the file and the place in it
    when anything in the file is bad; nothing is half-imported.
    """
    from qa_coach.ingest import import_conversations as _import

    return _import(path, format=format)


@overload
def score(interactions: "Interaction", rubric: "Rubric | str | Path | None" = None, *, signals: "TextSignals | None" = None) -> "Scorecard": ...
@overload
def score(interactions: Iterable["Interaction"], rubric: "Rubric | str | Path | None" = None, *, signals: "TextSignals | None" = None) -> list["Scorecard"]: ...


def score(interactions, rubric=None, *, signals=None):
    """Score one interaction (returns a Scorecard) or many (returns a list).

    ``signals`` defaults to the packaged offline models, loaded once per process.
    """
    from qa_coach.domain.interaction import Interaction
    from qa_coach.services.scorers import scorer_for

    scorer = scorer_for(rubric, signals)
    if isinstance(interactions, Interaction):
        return scorer.score(interactions)
    return scorer.score_many(list(interactions))
