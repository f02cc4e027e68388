"""The app's first start: the demo's sample calls are transcribed and scored in the background.

Whisper takes minutes for the six recordings, so the work runs in one thread per server
process (not in a page's script run, which a browser refresh would cut short) while every
page shows its progress bar; the admin can create their account meanwhile. Each call is
stored whole or not at all by the ordinary ingest, so a server stopped half-way resumes
with the calls still missing. Later starts find nothing pending: one query, then nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import streamlit as st

from qa_coach.domain.errors import QACoachError
from qa_coach.services import demo_data, directory
from qa_coach.ui.components import md
from qa_coach.ui.context import AppContext

log = logging.getLogger("qa_coach.ui")


@dataclass
class DemoCallsJob:
    """Progress of the sample-call import, written by its thread and read by the pages."""

    ctx: AppContext
    total: int  # recordings to import; 0: nothing was pending
    fraction: float = 0.0
    message: str = "starting"
    error: str | None = None
    finished: bool = False

    def run(self) -> None:
        try:
            admin = directory.local_admin(self.ctx.sessions).id
            demo_data.load_demo_calls(self.ctx.sessions, admin, signals=self.ctx.signals,
                                      audio_dir=self.ctx.audio_dir, progress=self._progress)
        except QACoachError as exc:
            self.error = str(exc)
        except Exception as exc:  # a thread's exception would only reach the log: say it on the page too
            log.exception("importing the demo's sample calls failed")
            self.error = f"an unexpected error ({type(exc).__name__}); the details are in the server log"
        finally:
            self.finished = True

    def _progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = max(0.0, min(1.0, fraction)), message


_JOBS: dict[int, DemoCallsJob] = {}  # by id(ctx.sessions); the job keeps its sessions alive
_LOCK = threading.Lock()


def demo_calls_job(ctx: AppContext) -> DemoCallsJob:
    """This database's sample-call job, started on the first call of the process when the
    demo team lacks some of its recordings."""
    with _LOCK:
        job = _JOBS.get(id(ctx.sessions))
        if job is not None and job.ctx.sessions is ctx.sessions:
            return job
        pending = demo_data.pending_demo_calls(ctx.sessions)
        job = _JOBS[id(ctx.sessions)] = DemoCallsJob(ctx, len(pending), finished=not pending)
        if pending:
            threading.Thread(target=job.run, name="qa-coach-demo-calls", daemon=True).start()
        return job


def progress_panel(ctx: AppContext) -> None:
    """Above every page while the sample calls are being imported: a progress bar that
    follows the job (a fragment rerun every 2 s); when it ends, the whole page reruns once."""
    job = demo_calls_job(ctx)
    if job.total == 0:
        return
    if job.finished:
        if job.error:
            st.warning(f"The demo's sample calls were not imported: {md(job.error)}. The rest of the demo works; "
                       "restart the app to try again.", icon="⚠️")
        return
    _live_progress(job)


@st.fragment(run_every=2)
def _live_progress(job: DemoCallsJob) -> None:
    if job.finished:
        st.rerun(scope="app")
    calls = f"{job.total} sample call{'s' if job.total != 1 else ''}"
    st.progress(job.fraction, text=f"First start: transcribing and scoring the demo team's {calls} — {job.message}")
    st.caption("This happens once. You can create the admin account and look around meanwhile; the calls "
               "appear in the team's pages when they are done.")
