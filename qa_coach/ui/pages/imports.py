"""Import: several chat logs or calls at once, per-file progress and errors, links to results."""

from __future__ import annotations

import streamlit as st

from qa_coach.domain.file_types import upload_types
from qa_coach.domain.statuses import IngestStatus
from qa_coach.services import directory, ingest, rubrics
from qa_coach.ui.components import interaction_link, md
from qa_coach.ui.context import context, current_user, signals
from qa_coach.ui.uploads import save_upload, upload_folder, without_folder

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
    outcomes = []
    with upload_folder() as tmp:
        for n, f in enumerate(files):
            bar.progress(n / len(files), text=f"{md(f.name)}: importing and scoring ({n + 1} of {len(files)})")
            path = save_upload(tmp, f.name, f.getvalue())
            outcome = ingest.ingest_file(ctx.sessions, user.id, path, rubric_version_id=version.id,
                                         representative=str(rep.email or rep.name) if rep else None,
                                         signals=signals(), audio_dir=ctx.audio_dir,
                                         progress=_file_progress(bar, f.name, n, len(files)))
            outcomes.append((f.name, outcome, without_folder(outcome.error or "", tmp)))
            _report(*outcomes[-1])
    bar.progress(1.0, text=finished(outcomes))


def finished(outcomes) -> str:
    """What the whole upload came to, failures first with their reason: "1 failed: broken.json: ...;
    1 imported (2 interactions)"; never "done" over a file that failed."""
    failed = [(name, error) for name, o, error in outcomes if o.status == IngestStatus.FAILED]
    before = sum(o.status == IngestStatus.ALREADY_STORED for _, o, _ in outcomes)
    stored = [o for _, o, _ in outcomes if o.status not in (IngestStatus.FAILED, IngestStatus.ALREADY_STORED)]
    parts = []
    if failed:
        reasons = "; ".join(f"{md(name)}: {md(error.removeprefix(name + ': ')) or 'not imported'}"
                            for name, error in failed[:3])
        parts.append(f"{len(failed)} failed: {reasons}" + (" ..." if len(failed) > 3 else ""))
    if stored:
        count = sum(len(o.interaction_ids) for o in stored)
        parts.append(f"{len(stored)} imported ({count} interaction{'s' if count != 1 else ''})")
    if before:
        parts.append(f"{before} imported before")
    return "; ".join(parts) or "Nothing imported"


def _file_progress(bar, name: str, n: int, total: int):
    """A recording's transcription progress, as part of the whole upload's bar."""
    def progress(fraction: float, message: str) -> None:
        bar.progress(min(1.0, (n + fraction) / total), text=f"{md(name)}: {md(message)} ({n + 1} of {total})")

    return progress


def _report(name: str, outcome, error: str) -> None:
    if outcome.status == IngestStatus.FAILED:
        st.error(f"{md(name)}: not imported. {md(error)}", icon="⚠️")
    elif outcome.status == IngestStatus.ALREADY_STORED:
        st.info(f"{md(name)}: this file was imported before; nothing new.")
    else:
        extra = f" ({outcome.duplicates} already stored from another file)" if outcome.duplicates else ""
        st.success(f"{md(name)}: {len(outcome.interaction_ids)} interaction(s) scored and stored{extra}.")
        for iid in outcome.interaction_ids[:20]:
            interaction_link(iid, f"{md(name)}: open interaction {iid}")
