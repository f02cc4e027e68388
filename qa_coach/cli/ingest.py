"""``qa-coach ingest DIR_OR_FILES --rep ... --rubric ...``: store and score many files.

Each file is one independent job (see :mod:`qa_coach.services.ingest`), stored whole or
not at all, so a run that is interrupted (even by SIGKILL) can simply be started again:
files already stored are skipped. A file that cannot be stored (any error in it, expected
or not) does not stop the run: the summary counts it and names the reason, and the exit
code is then 2.
"""

from __future__ import annotations

import click

from qa_coach.cli import EXIT_INPUT_ERROR, main
from qa_coach.cli.db import acting_user, as_option, open_database
from qa_coach.domain.statuses import IngestStatus


@main.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@click.option("--rep", "rep", default=None,
              help="Representative (id, email or name) for every conversation; default: the agent each file names.")
@click.option("--rubric", "rubric", default=None, help="Rubric YAML file or built-in name (default: default).")
@click.option("--format", "fmt", default=None, help="Input format, when auto-detection should be overridden.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@as_option
def ingest_command(paths: tuple[str, ...], rep: str | None, rubric: str | None, fmt: str | None, no_progress: bool,
                   as_user: str | None) -> None:
    """Import, score and store every chat log and recording in PATHS (files or folders)."""
    from tqdm import tqdm

    from qa_coach.cli.score import expand_paths
    from qa_coach.services.directory import find_representative
    from qa_coach.services.ingest import IngestJob, run_ingest_job
    from qa_coach.services.rubrics import load_rubric_file, register_rubric

    db = open_database()
    user_id = acting_user(db, as_user)
    sessions = db.session_factory()
    if rep is not None:
        find_representative(sessions, user_id, rep)  # unknown, or not the user's to ingest for: refused now
    version = register_rubric(sessions, user_id, load_rubric_file(rubric))
    files = expand_paths(paths)
    if not files:
        raise click.UsageError("no chat or audio files found in the paths given")
    jobs = [IngestJob(db.url, user_id, str(f), version.id, rep, fmt, db.schema) for f in files]
    counts = dict.fromkeys(IngestStatus, 0)
    interactions = duplicates = 0
    failures: list[str] = []
    bar = tqdm(jobs, unit="file", disable=no_progress, desc="ingest")
    for job in bar:
        outcome = run_ingest_job(job)
        counts[outcome.status] += 1
        interactions += len(outcome.interaction_ids)
        duplicates += outcome.duplicates
        if outcome.error:
            failures.append(outcome.error)
        bar.set_postfix(stored=counts[IngestStatus.STORED], skipped=counts[IngestStatus.ALREADY_STORED],
                        failed=counts[IngestStatus.FAILED])
    bar.close()
    click.echo(
        f"{len(jobs)} file(s): {counts[IngestStatus.STORED]} stored ({interactions} interaction(s)"
        f"{f', {duplicates} already stored from other files' if duplicates else ''}), "
        f"{counts[IngestStatus.ALREADY_STORED]} already stored, {counts[IngestStatus.FAILED]} failed "
        f"(rubric {version.rubric_key} v{version.version})"
    )
    for line in failures:
        click.echo(f"failed: {line}", err=True)
    if failures:
        raise SystemExit(EXIT_INPUT_ERROR)
