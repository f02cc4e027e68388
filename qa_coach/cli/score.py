"""``qa-coach score PATH...``: score chat logs (and recorded calls) against a rubric."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qa_coach.cli import main
from qa_coach.cli.transcribe import engine_option
from qa_coach.domain.file_types import kind_of
from qa_coach.report.json_report import scorecard_to_dict
from qa_coach.report.text_report import render_scorecard


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
                and kind_of(f) is not None
                and not f.name.lower().startswith("readme")
                and "scripts" not in f.relative_to(p).parts
            )
        else:
            out.append(p)
    return out


@main.command("score")
@click.argument("paths", nargs=-1, required=True)
@click.option("--rubric", "rubric", default=None, help="Rubric YAML file or built-in name (default: default).")
@click.option("--format", "fmt", default=None, help="Input format, when auto-detection should be overridden.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (schema: docs/scorecard.schema.json).")
@click.option("--no-evidence", is_flag=True, help="Text output without the evidence lines.")
@click.option("--whisper-model", default="base", show_default=True, help="Speech model for recorded calls: base, tiny.en, or an official Whisper name (needs a network).")
@engine_option
def score_command(paths: tuple[str, ...], rubric: str | None, fmt: str | None, as_json: bool, no_evidence: bool,
                  whisper_model: str, engine: str | None) -> None:
    """Score every conversation in PATHS (files or folders) and print a scorecard for each."""
    from tqdm import tqdm

    from qa_coach.services.file_scoring import score_files

    bars: dict[Path, tqdm] = {}

    def progress(path: Path, fraction: float, message: str) -> None:  # a recording's transcription
        bar = bars.get(path) or bars.setdefault(
            path, tqdm(total=100, desc=f"transcribing {path.name}", unit="%", leave=False))
        bar.set_postfix_str(message)
        bar.update(round(100 * fraction) - bar.n)

    files = expand_paths(paths)
    results = score_files(files, rubric=rubric, format=fmt, whisper_model=whisper_model, whisper_engine=engine,
                          progress=None if as_json else progress)  # the rubric and models load here
    if not files:
        raise click.UsageError("no chat or audio files found in the paths given")
    reports: list[dict] = []
    failures: list[str] = []
    for result in results:
        if result.path in bars:
            bars.pop(result.path).close()
        if result.error is not None:
            failures.append(result.error)
            if not as_json:
                click.echo(f"error: {result.error}", err=True)
            continue
        for card, interaction in zip(result.scorecards, result.interactions):
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
