"""The demo calls in sample_calls/: rendered recordings transcribe and score, and their
scores differ the way their scripts say (sample_calls/scripts/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

import qa_coach
from qa_coach.ingest.audio.call import TranscribeOptions, transcribe_call

pytestmark = pytest.mark.slow  # transcribes the sample calls with Whisper and scores them with the real models

CALLS = Path(__file__).resolve().parents[1] / "sample_calls" / "calls"


@pytest.fixture(scope="module")
def cards() -> dict[str, tuple]:
    out = {}
    for path in sorted(CALLS.glob("*.ogg")):
        interaction = transcribe_call(path, options=TranscribeOptions(model="base"))
        out[path.name[:2]] = (interaction, qa_coach.score(interaction))
    return out


def test_six_calls_under_ten_megabytes() -> None:
    files = sorted(CALLS.glob("*.ogg"))
    assert len(files) == 6
    assert sum(f.stat().st_size for f in files) < 10_000_000


def test_calls_are_stereo_with_agent_and_customer(cards) -> None:
    for key, (interaction, _) in cards.items():
        roles = {t.role.value for t in interaction.turns}
        assert roles == {"agent", "customer"}, key
        assert interaction.metrics is not None and interaction.metrics.duration > 50
        assert not interaction.metadata.get("warnings"), interaction.metadata.get("warnings")


def test_scores_follow_the_scripts(cards) -> None:
    score = {k: card.score for k, (_, card) in cards.items()}
    answer = {k: {r.criterion_id: r.answer for r in card.results} for k, (_, card) in cards.items()}
    assert score["01"] > score["02"] > score["03"], score
    assert score["01"] >= 80 and score["03"] <= 40, score
    assert answer["01"]["greeting"] == "yes" and answer["03"]["greeting"] == "no"
    assert answer["02"]["closing"] == "yes" and answer["03"]["closing"] == "no"
    assert answer["01"]["resolution"] == "yes" and answer["02"]["resolution"] == "yes"
    assert answer["05"]["resolution"] == "no" and answer["03"]["resolution"] == "no"
    assert answer["04"]["empathy"] == "yes" and answer["02"]["empathy"] == "no"
    assert answer["04"]["apology"] == "yes" and answer["02"]["apology"] == "no"

