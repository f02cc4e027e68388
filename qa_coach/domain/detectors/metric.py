"""A detector on call metrics (talk time, silence, overtalk ...) for voice interactions."""

from __future__ import annotations

from dataclasses import dataclass

from qa_coach.domain.detectors.base import Detection, ReadsOnlyItsTurns, ScoringContext


@dataclass(frozen=True, kw_only=True)
class MetricSpec(ReadsOnlyItsTurns):
    """Hit when ``interaction.metrics.<name>`` is within bounds. Chats have no metrics:
    the detection is then unknown (``known=False``), which a rubric can map to N/A."""

    name: str
    at_most: float | None
    at_least: float | None

    def detect(self, ctx: ScoringContext) -> Detection:
        metrics = getattr(ctx.interaction, "metrics", None)
        value = getattr(metrics, self.name, None) if metrics is not None else None
        if value is None:
            return Detection(False, 1.0, f"no call metric '{self.name}' (not a recorded call)", known=False)
        ok = (self.at_most is None or value <= self.at_most) and (
            self.at_least is None or value >= self.at_least
        )
        bounds = " and ".join(
            b
            for b in (
                f"≤ {self.at_most:g}" if self.at_most is not None else "",
                f"≥ {self.at_least:g}" if self.at_least is not None else "",
            )
            if b
        )
        return Detection(ok, 0.99, f"{self.name} = {value:.1f} (rule {bounds})", value=float(value))
