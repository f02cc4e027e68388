"""Import: several chat logs or calls at once, per-file progress and errors, links to results."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from qa_coach.domain.file_types import upload_types
from qa_coach.domain.statuses import IngestStatus
from qa_coach.services import directory, ingest, rubrics
from qa_coach.ui.components import interaction_link, md
from qa_coach.ui.context import context, current_user, signals

TYPES = upload_types()


def render() -> None:
    ctx, user = context(), current_user()
    versions = [v for v in rubrics.list_rubric_versions(ctx.sessions, user.id) if not v.deleted]
    if not versions:
        st.info("No rubric is stored yet: add one on the Rubrics page.")
        return
    files = st.file_uploader("Chat logs or call recordings", type=TYPES, accept_multiple_files=True, key="import_files")
    reps = directory.list_representatives(ctx.sessions, user.id)
    rep = st.selectbox("Representative", [None, *reps], key="import_rep",
                       format_func=lambda r: "Named in each conversation" if r is None else r.name)
    version = st.selectbox("Rubric", versions[::-1], key="import_rubric",
                           format_func=lambda v: f"{v.name} (version {v.version})")
    if not st.button("Import and score", key="import_button", disabled=not files):
        return
    bar = st.progress(0.0, text="Starting ...")
    with tempfile.TemporaryDirectory(prefix="qa-coach-upload-") as tmp:
        for n, f in enumerate(files):
            bar.progress(n / len(files), text=f"{md(f.name)}: importing and scoring ({n + 1} of {len(files)})")
            path = Path(tmp) / Path(f.name).name
            path.write_bytes(f.getvalue())
            outcome = ingest.ingest_file(ctx.sessions, user.id, path, rubric_version_id=version.id,
                                         representative=str(rep.email or rep.name) if rep else None,
                                         signals=signals(), audio_dir=ctx.audio_dir,
                                         progress=_file_progress(bar, f.name, n, len(files)))
            _report(f.name, outcome, tmp)
        bar.progress(1.0, text=f"Done: {len(files)} file{'s' if len(files) != 1 else ''}")


def _file_progress(bar, name: str, n: int, total: int):
    """A recording's transcription progress, as part of the whole upload's bar."""
    def progress(fraction: float, message: str) -> None:
        bar.progress(min(1.0, (n + fraction) / total), text=f"{md(name)}: {md(message)} ({n + 1} of {total})")

    return progress


def _report(name: str, outcome, tmp: str) -> None:
    if outcome.status == IngestStatus.FAILED:
        st.error(f"{md(name)}: not imported. {md((outcome.error or '').replace(tmp + '/', ''))}", icon="⚠️")
    elif outcome.status == IngestStatus.ALREADY_STORED:
        st.info(f"{md(name)}: this file was imported before; nothing new.")
    else:
        extra = f" ({outcome.duplicates} already stored from another file)" if outcome.duplicates else ""
        st.success(f"{md(name)}: {len(outcome.interaction_ids)} interaction(s) scored and stored{extra}.")
        for iid in outcome.interaction_ids[:20]:
            interaction_link(iid, f"{md(name)}: open interaction {iid}")
