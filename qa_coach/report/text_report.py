"""A scorecard as readable text for the terminal."""

from __future__ import annotations

import textwrap

from qa_coach.domain.interaction import Interaction
from qa_coach.domain.scorecard import Scorecard

_WIDTH = 100


def render_scorecard(card: Scorecard, interaction: Interaction, *, evidence: bool = True) -> str:
    src = interaction.source
    where = " · ".join(p for p in (src.path, src.locator, src.format) if p)
    rep = interaction.representative.label if interaction.representative else "unknown rep"
    lines = [
        f"Interaction {interaction.id}  ({where})",
        f"Representative: {rep} · {interaction.channel.value} · {len(interaction.turns)} turns",
        f"Rubric: {card.rubric_id} v{card.rubric_version}",
        "Score: " + ("N/A" if card.score is None else f"{card.score:.1f} / 100")
        + ("  (AUTO-FAIL: a critical criterion failed)" if card.auto_failed else ""),
        "",
        f"  {'Criterion':<24}{'Answer':<10}{'Points':>10}  {'Confidence':>10}",
    ]
    for r in card.results:
        pts = "—" if r.na else f"{r.points:g}/{r.max_points:g}"
        flag = "  CRITICAL FAIL" if r.failed_critical else ""
        lines.append(f"  {r.name:<24}{r.answer_label:<10}{pts:>10}  {r.confidence:>10.2f}{flag}")
        if not evidence:
            continue
        why = r.na_reason if r.na else r.rationale
        lines += textwrap.wrap(why, _WIDTH, initial_indent="      why: ", subsequent_indent="           ")
        for e in r.evidence:
            when = f"{e.time}, " if e.time else ""
            quote = e.quote if len(e.quote) <= 90 else e.quote[:89] + "…"
            lines.append(f'      [{when}turn {e.turn_index + 1}, {e.role.value}] "{quote}"')
            lines += textwrap.wrap(e.signal, _WIDTH, initial_indent="          → ", subsequent_indent="            ")
    return "\n".join(lines)
