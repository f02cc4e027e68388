"""``qa-coach score PATH...``: score chat logs (and recorded calls) against a rubric."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qa_coach.cli import main
from qa_coach.domain.errors import QACoachError
from qa_coach.domain.interaction import Interaction
from qa_coach.report.json_report import scorecard_to_dict
from qa_coach.report.text_report import render_scorecard

CHAT_SUFFIXES = {".json", ".jsonl", ".csv", ".tsv", ".txt", ".log"}
AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".webm", ".mp4"}


def expand_paths(paths: tuple[str, ...]) -> list[Path]:
    """Files as given; folders expanded to the chat and audio files inside them."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and f.suffix.lower() in CHAT_SUFFIXES | AUDIO_SUFFIXES
                and not f.name.lower().startswith("readme")
                and "scripts" not in f.relative_to(p).parts
            )
        else:
            out.append(p)
    return out


def load_interactions(path: Path, fmt: str | None, *, whisper_model: str = "base", show_progress: bool = False) -> list[Interaction]:
    if path.suffix.lower() in AUDIO_SUFFIXES and fmt in (None, "audio"):
        from tqdm import tqdm

        from qa_coach.ingest.audio.call import TranscribeOptions, transcribe_call
        from qa_coach.scoring_service import default_signals

        with tqdm(total=100, desc=f"transcribing {path.name}", unit="%", disable=not show_progress, leave=False) as bar:

            def progress(fraction: float, message: str) -> None:
                bar.set_postfix_str(message)
                bar.update(round(100 * fraction) - bar.n)

            return [
                transcribe_call(
                    path,
                    options=TranscribeOptions(model=whisper_model),
                    progress=progress,
                    text_signals=default_signals(),
                )
            ]
    from qa_coach.ingest import import_conversations

    return import_conversations(path, format=fmt)


@main.command("score")
@click.argument("paths", nargs=-1, required=True)
@click.option("--rubric", "rubric", default=None, help="Rubric YAML file or built-in name (default: default).")
@click.option("--format", "fmt", default=None, help="Input format, when auto-detection should be overridden.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (schema: docs/scorecard.schema.json).")
@click.option("--no-evidence", is_flag=True, help="Text output without the evidence lines.")
@click.option("--whisper-model", default="base", show_default=True, help="Speech model for recorded calls: base, tiny.en, or an official Whisper name (needs a network).")
def score_command(paths: tuple[str, ...], rubric: str | None, fmt: str | None, as_json: bool, no_evidence: bool, whisper_model: str) -> None:
    """Score every conversation in PATHS (files or folders) and print a scorecard for each."""
    from qa_coach.scoring_service import scorer_for

    scorer = scorer_for(rubric)
    files = expand_paths(paths)
    if not files:
        raise click.UsageError("no chat or audio files found in the paths given")
    reports: list[dict] = []
    failures: list[str] = []
    for path in files:
        try:
            interactions = load_interactions(path, fmt, whisper_model=whisper_model, show_progress=not as_json)
            cards = scorer.score_many(interactions)
        except QACoachError as exc:
            failures.append(str(exc))
            if not as_json:
                click.echo(f"error: {exc}", err=True)
            continue
        for card, interaction in zip(cards, interactions):
            if as_json:
                reports.append(scorecard_to_dict(card, interaction))
            else:
                click.echo(render_scorecard(card, interaction, evidence=not no_evidence))
                click.echo("")
    if as_json:
        click.echo(json.dumps({"scorecards": reports, "errors": failures}, indent=2, ensure_ascii=False))
    elif len(files) > 1 or failures:
        click.echo(f"Scored {len(files) - len(failures)} of {len(files)} file(s).", err=True)
    if failures:
        raise SystemExit(2)
