"""``qa-coach transcribe FILE``: turns with speaker and times, plus the call metrics."""

from __future__ import annotations

import json

import click

from qa_coach.cli import main
from qa_coach.domain.call_metrics import CallMetrics
from qa_coach.domain.interaction import Interaction, format_offset
from qa_coach.settings import WHISPER_ENGINES

engine_option = click.option(
    "--engine", type=click.Choice(WHISPER_ENGINES), default=None,
    help="fast: the packaged Whisper weights run by CTranslate2 (int8), speech of both channels "
         "batched (the default for base and tiny.en); whisper: openai-whisper itself (the default "
         "for other models). Default from QA_COACH_WHISPER_ENGINE.")


@main.command("transcribe")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--model", default="base", show_default=True,
              help="Whisper model: base, tiny.en (fast), or an official name / checkpoint path.")
@engine_option
@click.option("--agent-channel", type=click.IntRange(0, 1), default=0, show_default=True,
              help="Stereo: the channel that carries the agent (0 = left, 1 = right).")
@click.option("--language", default="en", show_default=True,
              help="Spoken language code; 'auto' lets Whisper detect it.")
@click.option("--max-minutes", type=float, default=120.0, show_default=True,
              help="Refuse recordings longer than this.")
@click.option("--silence", type=float, default=2.0, show_default=True,
              help="Gaps longer than this many seconds count as silence.")
@click.option("--beam-size", type=click.IntRange(1, 10), default=5, show_default=True,
              help="Beam search width (5: as the whisper command; 1: greedy, faster, less accurate).")
@click.option("--no-sentiment", is_flag=True, help="Skip customer sentiment.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def transcribe_command(file, as_json, model, engine, agent_channel, language, max_minutes, silence,
                       beam_size, no_sentiment, quiet) -> None:
    """Transcribe a call recording: who said what, when, and the call's timing facts."""
    from qa_coach.services.transcription import TranscribeOptions, transcribe_recording

    options = TranscribeOptions(
        model=model,
        engine=engine,
        language=None if language == "auto" else language,
        agent_channel=agent_channel,
        max_seconds=max_minutes * 60,
        silence_threshold=silence,
        beam_size=beam_size,
    )

    def note(message: str) -> None:  # sentiment is an extra: when its models cannot load, say why
        click.echo(f"note: {message}", err=True)

    if quiet:
        interaction = transcribe_recording(file, options, sentiment=not no_sentiment, note=note)
    else:
        from tqdm import tqdm

        with tqdm(total=100, unit="%", file=click.get_text_stream("stderr"), leave=False) as bar:
            def progress(frac: float, message: str) -> None:
                bar.set_description(message, refresh=False)
                bar.update(round(frac * 100) - bar.n)

            interaction = transcribe_recording(file, options, sentiment=not no_sentiment, progress=progress,
                                               note=note)
    if as_json:
        click.echo(json.dumps(interaction_json(interaction), indent=2))
    else:
        click.echo(render_text(interaction))


def interaction_json(it: Interaction) -> dict:
    return {
        "id": it.id,
        "source": it.source.path,
        "language": it.language,
        "metadata": dict(it.metadata),
        "turns": [
            {
                "index": t.index,
                "speaker": t.role.value,
                "start": t.start,
                "end": t.end,
                "speaker_confidence": t.speaker_confidence,
                "text": t.text,
            }
            for t in it.turns
        ],
        "metrics": it.metrics.as_dict() if it.metrics else None,
    }


def render_text(it: Interaction) -> str:
    lines = []
    for w in it.metadata.get("warnings", ()):
        lines.append(f"warning: {w}")
    if it.metadata.get("no_speech"):
        lines.append("no speech found")
    for t in it.turns:
        conf = "" if t.speaker_confidence >= 1 else f" ({t.speaker_confidence:.0%} sure)"
        when = f"[{format_offset(t.start or 0)}–{format_offset(t.end or 0)}]"
        lines.append(f"{when} {t.role.value}{conf}: {t.text}")
    if it.metrics:
        lines.append("")
        lines += render_metrics(it.metrics)
    return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def _num(x: float | None, unit: str = "s") -> str:
    return "–" if x is None else f"{x:.1f} {unit}"


def render_metrics(m: CallMetrics) -> list[str]:
    quarters = ", ".join("–" if q is None else f"{q:+.2f}" for q in m.customer_sentiment_by_quarter)
    over = (
        "not measurable (mono)"
        if m.overtalk_count is None
        else f"{m.overtalk_count} times, longest {_num(m.longest_overtalk)}, total {_num(m.total_overtalk)}"
    )
    return [
        f"duration          {format_offset(m.duration)} ({m.duration:.1f} s)",
        f"agent talk        {_num(m.agent_talk)} ({_pct(m.agent_talk_share)})",
        f"customer talk     {_num(m.customer_talk)} ({_pct(m.customer_talk_share)})",
        f"talk/listen       {'–' if m.talk_listen_ratio is None else f'{m.talk_listen_ratio:.2f}'}",
        f"silences > {m.silence_threshold:g} s  {m.silence_count}, longest {_num(m.longest_silence)}, "
        f"total {_num(m.total_silence)}; over {m.long_silence_threshold:g} s: {m.long_silence_count}",
        f"overtalk          {over}",
        f"agent rate        {_num(m.agent_words_per_minute, 'words/min')}",
        f"customer mood Q1–Q4  {quarters}",
    ]
