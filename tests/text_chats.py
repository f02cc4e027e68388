"""Small hand-written chats for unit tests of the text-only detectors (no models)."""

from __future__ import annotations

from qa_coach.domain.detectors.base import Detection, DetectorSpec, ScoringContext, build_units
from qa_coach.domain.interaction import Interaction, Role, SourceRef, Turn


def chat(*lines: str) -> Interaction:
    """A chat from lines such as "C: I need a table." and "A: For how many?", 5 s apart."""
    roles = {"A": Role.AGENT, "C": Role.CUSTOMER}
    turns = tuple(Turn(i, roles[line[0]], line.split(": ", 1)[1], start=5.0 * i) for i, line in enumerate(lines))
    return Interaction("c1", turns, SourceRef("chat.txt", "text"))


def detect_in_text(spec: DetectorSpec, interaction: Interaction) -> Detection:
    """Run a detector that reads only the turns' text (no embeddings, sentiment or tags)."""
    units = build_units(interaction)
    ctx = ScoringContext(interaction, units, None, [None] * len(units), lambda p: None)  # type: ignore[arg-type]
    return spec.detect(ctx)  # type: ignore[attr-defined]
