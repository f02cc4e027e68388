"""Downloads of what ``qa-coach export`` writes: scores and reviews as CSV or JSON, and the
coaching report as HTML. Each file is made when its button is clicked, by the same services
as the command line, as the signed-in user: the services decide what they may have."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

import streamlit as st

from qa_coach.domain.people import UserRole
from qa_coach.services import directory, export
from qa_coach.services.coaching_report import coaching_report_html
from qa_coach.services.records import RepresentativeRecord, UserRecord
from qa_coach.ui.components import md


@dataclass(frozen=True)
class Download:
    key: str
    label: str  # markdown: names in it pass through md()
    file_name: str
    mime: str
    make: Callable[[], str]  # run when the button is clicked


def file_stem(name: str, fallback: str) -> str:
    """``name`` as a file name: letters and digits, words joined by '-'."""
    return re.sub(r"[^0-9a-z]+", "-", name.lower()).strip("-") or fallback


def representative_downloads(sessions, user: UserRecord, rep: RepresentativeRecord, *,
                             weeks: int = 12) -> tuple[Download, ...]:
    """This representative's scores (CSV, JSON) and coaching report (HTML)."""
    stem = file_stem(rep.name, f"representative-{rep.id}")

    def records() -> list[dict]:
        return export.export_records(sessions, user.id, representative_id=rep.id)

    return (
        Download("download_rep_csv", "Scores (CSV)", f"scores-{stem}.csv", "text/csv",
                 lambda: export.csv_text(records())),
        Download("download_rep_json", "Scores (JSON)", f"scores-{stem}.json", "application/json",
                 lambda: export.json_text(records())),
        Download("download_rep_report", "Coaching report (HTML)", f"coaching-report-{stem}.html", "text/html",
                 lambda: coaching_report_html(sessions, user.id, rep.id, weeks=weeks)),
    )


def team_downloads(sessions, user: UserRecord, team_id: int) -> tuple[Download, ...]:
    """The scores of a whole team (CSV, JSON), for the staff who may see that team; nothing for
    a representative (their team's export would hold their own scores only)."""
    if user.role == UserRole.REPRESENTATIVE:
        return ()
    team = next((t for t in directory.list_teams(sessions, user.id) if t.id == team_id), None)
    if team is None:
        return ()
    stem = file_stem(team.name, f"team-{team.id}")

    def records() -> list[dict]:
        return export.export_records(sessions, user.id, team_id=team.id)

    return (
        Download("download_team_csv", f"{md(team.name)}: scores (CSV)", f"scores-team-{stem}.csv", "text/csv",
                 lambda: export.csv_text(records())),
        Download("download_team_json", f"{md(team.name)}: scores (JSON)", f"scores-team-{stem}.json",
                 "application/json", lambda: export.json_text(records())),
    )


def download_buttons(downloads: Sequence[Download]) -> None:
    """One button a file, side by side; the page does not rerun on a click."""
    if not downloads:
        return
    for column, d in zip(st.columns(len(downloads)), downloads):
        column.download_button(d.label, d.make, file_name=d.file_name, mime=d.mime, key=d.key,
                               on_click="ignore")

