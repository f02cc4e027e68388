"""A per-representative coaching report as one self-contained HTML page (no scripts)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Sequence

from qa_coach.domain.progress import WeekPoint

from .access import Sessions
from .analytics import TOO_FEW_PEOPLE, RepProgress, rep_progress
from .coaching import list_coaching_sessions
from .export import export_records
from .records import CoachingRecord

_CSS = """
body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th:first-child,td:first-child{text-align:left}.quote{background:#f5f5f5;padding:.3em .6em;margin:.2em 0}
.muted{color:#777}
"""


def coaching_report_html(sessions: Sessions, user_id: int, representative_id: int, *, weeks: int = 12,
                         now: datetime | None = None, examples_per_criterion: int = 2) -> str:
    progress = rep_progress(sessions, user_id, representative_id, weeks=weeks, now=now)
    coached = list_coaching_sessions(sessions, user_id, representative_id)
    records = export_records(sessions, user_id, representative_id=representative_id, since=progress.since)
    return render(progress, coached, records, examples_per_criterion)


def render(p: RepProgress, coached: Sequence[CoachingRecord], records: list[dict], examples_per_criterion: int = 2) -> str:
    rep = p.representative
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Coaching report: {escape(rep.name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Coaching report: {escape(rep.name)}</h1>",
        f"<p class='muted'>Since {p.since.date().isoformat()}"
        + (f" · hired {rep.hire_date.isoformat()}" if rep.hire_date else "") + "</p>",
        "<h2>QA score by week</h2>",
        _chart(p.weeks, p.team_weeks),
        _week_table(p),
    ]
    if p.last_coaching_at and p.score_change_since_coaching:
        c = p.score_change_since_coaching
        parts.append(f"<p>Since the last coaching session ({p.last_coaching_at.date().isoformat()}): "
                     f"{_pct(c.before)} → {_pct(c.after)} ({_signed(c.delta)}).</p>")
    parts.append("<h2>Criteria</h2><table><tr><th>Criterion</th><th>Mean</th><th>Scores</th>"
                 + ("<th>Change since coaching</th>" if p.last_coaching_at else "") + "</tr>")
    for cid, points in p.criteria.items():
        n = sum(x.n for x in points)
        mean = sum(x.mean * x.n for x in points) / n if n else None
        change = p.criterion_change_since_coaching.get(cid)
        parts.append(
            f"<tr><td>{escape(p.criterion_names.get(cid, cid))}</td><td>{_pct(None if mean is None else 100 * mean)}</td>"
            f"<td>{n}</td>" + (f"<td>{_signed(None if change is None or change.delta is None else 100 * change.delta)}</td>"
                                if p.last_coaching_at else "") + "</tr>"
        )
    parts.append("</table>")
    parts.append("<p>Strongest: " + ", ".join(escape(p.criterion_names.get(s.criterion_id, s.criterion_id))
                                             for s in p.strongest) + "</p>")
    parts.append("<p>To work on: " + ", ".join(escape(p.criterion_names.get(s.criterion_id, s.criterion_id))
                                              for s in p.weakest) + "</p>")
    parts.append("<h2>Examples</h2>")
    parts += _examples(p, records, examples_per_criterion)
    parts.append("<h2>Coaching sessions</h2>")
    if not coached:
        parts.append("<p class='muted'>None yet.</p>")
    for cs in coached:
        items = "".join(
            f"<li>{'☑' if a.done else '☐'} {escape(a.text)}" + (f" (due {a.due_on.isoformat()})" if a.due_on else "") + "</li>"
            for a in cs.action_items
        )
        parts.append(
            f"<h3>{cs.held_at.date().isoformat()}</h3><p>Focus: {escape(', '.join(cs.focus_criteria) or '—')}"
            f"{' · acknowledged' if cs.acknowledged else ''}</p><p>{escape(cs.notes)}</p><ul>{items}</ul>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def _examples(p: RepProgress, records: list[dict], k: int) -> list[str]:
    out = []
    for s in p.weakest:
        shown = 0
        for r in reversed(records):
            c = next((c for c in r["criteria"] if c["criterion_id"] == s.criterion_id), None)
            if c is None or c["na"] or c["points"] >= c["max_points"]:
                continue
            quotes = "".join(
                f"<div class='quote'>{escape(e.get('time') or '')} {escape(e['role'])}: “{escape(e['quote'])}”</div>"
                for e in c["evidence"][:3]
            ) or "<div class='quote muted'>No matching turn was found.</div>"
            out.append(
                f"<h3>{escape(c['name'])}: {escape(c['answer_label'])} — {escape(r['occurred_at'][:10])} "
                f"({escape(r['external_id'])})</h3><p class='muted'>{escape(c['rationale'])}</p>{quotes}"
            )
            shown += 1
            if shown >= k:
                break
    return out or ["<p class='muted'>No lost points in this period.</p>"]


def _week_table(p: RepProgress) -> str:
    team = {w.week: w.mean for w in p.team_weeks}
    rows = "".join(
        f"<tr><td>{w.week.isoformat()}</td><td>{_pct(w.mean)}</td><td>{_pct(r)}</td><td>{_pct(team.get(w.week))}</td>"
        f"<td>{w.n}</td></tr>"
        for w, r in zip(p.weeks, p.rolling)
    )
    missing = any(w.week not in team for w in p.weeks)
    return ("<table><tr><th>Week</th><th>Score</th><th>Rolling</th><th>Team</th><th>Interactions</th></tr>"
            f"{rows}</table>" + (f"<p class='muted'>Team “—”: {escape(TOO_FEW_PEOPLE)}.</p>" if missing else ""))


def _chart(rep: Sequence[WeekPoint], team: Sequence[WeekPoint], width: int = 640, height: int = 200) -> str:
    weeks = sorted({w.week for w in (*rep, *team)})
    if not weeks:
        return "<p class='muted'>No scores in this period.</p>"
    span = max(1, (weeks[-1] - weeks[0]).days)

    def xy(w: WeekPoint) -> str:
        x = 30 + (width - 40) * (w.week - weeks[0]).days / span
        y = height - 20 - (height - 30) * w.mean / 100
        return f"{x:.1f},{y:.1f}"

    lines = [f"<svg width='{width}' height='{height}' role='img' aria-label='weekly QA score'>",
             f"<line x1='30' y1='{height - 20}' x2='{width - 10}' y2='{height - 20}' stroke='#999'/>",
             f"<text x='0' y='14' font-size='11'>100</text><text x='8' y='{height - 20}' font-size='11'>0</text>"]
    for points, colour, label in ((team, "#aaa", "team"), (rep, "#1565c0", "representative")):
        if points:
            lines.append(f"<polyline fill='none' stroke='{colour}' stroke-width='2' points='{' '.join(map(xy, points))}'>"
                         f"<title>{label}</title></polyline>")
    lines.append("</svg>")
    return "".join(lines)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.0f}%"


def _signed(v: float | None) -> str:
    return "—" if v is None else f"{v:+.0f} points"
