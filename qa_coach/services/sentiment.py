"""The customer's sentiment through a stored interaction, turn by turn."""

from __future__ import annotations

from dataclasses import dataclass

from qa_coach.domain.interaction import Role
from qa_coach.domain.signals import TextSignals
from qa_coach.storage import repositories as repo

from .access import Sessions, unit_of_work
from .reviews import visible_interaction
from .text_models import default_signals


@dataclass(frozen=True)
class TurnSentiment:
    turn_index: int
    score: float  # -1 negative … +1 positive


def customer_sentiment(sessions: Sessions, user_id: int, interaction_id: int, *,
                       signals: TextSignals | None = None) -> tuple[TurnSentiment, ...]:
    """The sentiment of every customer turn with words, in order (``signals``: the text
    models, default the packaged ones). Read outside the transaction: a slow model never
    holds a database lock."""
    with unit_of_work(sessions, user_id) as (s, actor):
        interaction = repo.interaction_of(visible_interaction(s, actor, interaction_id, "see this interaction"))
    turns = [t for t in interaction.turns if t.role is Role.CUSTOMER and t.text.strip()]
    if not turns:
        return ()
    analysis = (signals or default_signals()).analyze([t.text for t in turns])
    return tuple(TurnSentiment(t.index, s.score) for t, s in zip(turns, analysis.sentiments))
