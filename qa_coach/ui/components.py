"""Small rendering helpers shared by the pages."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

import streamlit as st

from qa_coach.domain.errors import QACoachError
from qa_coach.services.errors import NotFoundError, PermissionDeniedError

log = logging.getLogger("qa_coach.ui")


@contextmanager
def plain_errors() -> Iterator[None]:
    """Show what went wrong in plain words; never a traceback on the page."""
    try:
        yield
    except PermissionDeniedError as exc:
        st.error(f"Not allowed: {exc}.", icon="🚫")
    except NotFoundError as exc:
        st.warning(f"Not found: {exc}.")
    except QACoachError as exc:
        st.error(str(exc))
    except Exception:  # Streamlit's own rerun/stop signals are BaseException and pass through
        log.exception("page failed")
        st.error("Something went wrong on this page. The details are in the server log; "
                  "please try again or tell your admin.")


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def when(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M")


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    m, s = divmod(int(seconds), 60)
    return f"{m:02d}:{s:02d}"


def interaction_link(interaction_id: int, label: str | None = None, key: str | None = None) -> None:
    from qa_coach.ui import nav

    page = nav.page_object("interaction")
    if page is None:  # a page test without the router
        st.markdown(f"interaction {interaction_id}")
        return
    st.page_link(page, label=label or f"Open interaction {interaction_id}", query_params={"id": str(interaction_id)})
