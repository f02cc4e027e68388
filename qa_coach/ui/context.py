"""What every page needs: the session factory, the text models and the audio folder.

Built once per process (``st.cache_resource``). Tests put their own :class:`AppContext`
(a temporary database, a stand-in for the models) into ``st.session_state[CONTEXT_KEY]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from qa_coach.domain.signals import TextSignals

CONTEXT_KEY = "qa_context"
USER_KEY = "qa_user"


@dataclass(frozen=True)
class AppContext:
    sessions: object  # sessionmaker
    signals: TextSignals | None = None  # None: the packaged models, loaded on first use
    audio_dir: Path | None = None
    session_secret: bytes | None = None  # signs the sign-in cookie; None: a sign-in lasts while the tab is open


@st.cache_resource(show_spinner="Opening the database ...")
def _default_context() -> AppContext:
    from qa_coach.services.browser_sessions import installation_secret
    from qa_coach.services.database import open_app_database

    app_db = open_app_database()  # created or upgraded: a fresh data folder gets its tables
    return AppContext(app_db.sessions, None, app_db.audio_dir, installation_secret())


@st.cache_resource(show_spinner="Loading the language models (once per server) ...")
def _default_signals() -> TextSignals:
    from qa_coach.services.text_models import default_signals

    return default_signals()


def context() -> AppContext:
    ctx = st.session_state.get(CONTEXT_KEY)
    return ctx if ctx is not None else _default_context()


def signals() -> TextSignals:
    """The models (or the test stand-in), loaded once per process."""
    ctx = context()
    return ctx.signals if ctx.signals is not None else _default_signals()


def current_user():
    return st.session_state.get(USER_KEY)
